package io.noctua.api;

public enum WorkGroupState {
    ENABLED, DISABLED
}
