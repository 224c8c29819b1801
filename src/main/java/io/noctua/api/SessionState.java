package io.noctua.api;

/** The states of an Athena session, named as in the model. */
public enum SessionState {
    CREATING, CREATED, IDLE, BUSY, TERMINATING, TERMINATED, DEGRADED, FAILED;

    /** A session in one of these states will never run another calculation. */
    public boolean isTerminal() {
        return switch (this) {
            case TERMINATED, FAILED -> true;
            case CREATING, CREATED, IDLE, BUSY, TERMINATING, DEGRADED -> false;
        };
    }

    /** The legal moves; a transition not listed here is a bug and is refused. */
    public boolean canMoveTo(SessionState next) {
        return switch (this) {
            case CREATING -> next == CREATED || next == TERMINATING || next == TERMINATED || next == FAILED;
            case CREATED -> next == IDLE || next == TERMINATING || next == TERMINATED || next == FAILED;
            case IDLE -> next == BUSY || next == TERMINATING || next == TERMINATED || next == FAILED;
            case BUSY -> next == IDLE || next == TERMINATING || next == TERMINATED || next == FAILED || next == DEGRADED;
            case DEGRADED -> next == IDLE || next == TERMINATING || next == TERMINATED || next == FAILED;
            case TERMINATING -> next == TERMINATED || next == FAILED;
            case TERMINATED, FAILED -> false;
        };
    }
}
