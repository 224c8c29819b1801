package io.noctua.api;

public enum ExecutorType {
    COORDINATOR, GATEWAY, WORKER
}
