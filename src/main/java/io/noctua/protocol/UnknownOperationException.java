package io.noctua.protocol;

import io.noctua.api.AthenaException;

/** A missing or unknown {@code X-Amz-Target}. */
public final class UnknownOperationException extends AthenaException {
    public UnknownOperationException(String message) {
        super(message);
    }
}
