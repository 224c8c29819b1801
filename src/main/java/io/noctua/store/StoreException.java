package io.noctua.store;

/** The store could not do what was asked; the request fails with an internal error, nothing half-done stays. */
public final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
