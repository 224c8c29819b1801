package io.noctua.api;

/** The states of a query execution of the SQL API, named as in the model. */
public enum QueryExecutionState {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

    public boolean isTerminal() {
        return switch (this) {
            case SUCCEEDED, FAILED, CANCELLED -> true;
            case QUEUED, RUNNING -> false;
        };
    }

    public boolean canMoveTo(QueryExecutionState next) {
        return switch (this) {
            case QUEUED -> next == RUNNING || next == FAILED || next == CANCELLED;
            case RUNNING -> next == SUCCEEDED || next == FAILED || next == CANCELLED;
            case SUCCEEDED, FAILED, CANCELLED -> false;
        };
    }
}
