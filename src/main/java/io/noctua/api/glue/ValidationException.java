package io.noctua.api.glue;

import io.noctua.api.AthenaException;

/** Glue's {@code ValidationException}: A request that breaks a constraint of Glue's model (required member, length, pattern). */
public final class ValidationException extends AthenaException {
    public ValidationException(String message) {
        super(message);
    }
}
