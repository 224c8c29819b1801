package io.noctua.api;

public enum ExecutorState {
    CREATING, CREATED, REGISTERED, TERMINATING, TERMINATED, FAILED
}
