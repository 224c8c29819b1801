package io.noctua.api;

/** The states of a calculation, named as in the model. */
public enum CalculationExecutionState {
    CREATING, CREATED, QUEUED, RUNNING, CANCELING, CANCELED, COMPLETED, FAILED;

    /** Exactly the three states every Athena client treats as final. */
    public boolean isTerminal() {
        return switch (this) {
            case CANCELED, COMPLETED, FAILED -> true;
            case CREATING, CREATED, QUEUED, RUNNING, CANCELING -> false;
        };
    }

    public boolean canMoveTo(CalculationExecutionState next) {
        return switch (this) {
            case CREATING -> next == CREATED || next == QUEUED || next == RUNNING || next == CANCELING || next == FAILED;
            case CREATED -> next == QUEUED || next == RUNNING || next == CANCELING || next == FAILED;
            case QUEUED -> next == RUNNING || next == CANCELING || next == FAILED;
            case RUNNING -> next == COMPLETED || next == FAILED || next == CANCELING;
            case CANCELING -> next == CANCELED || next == FAILED;
            case CANCELED, COMPLETED, FAILED -> false;
        };
    }
}
