package io.noctua.api.glue;

import io.noctua.api.AthenaException;

/** Glue's {@code InvalidInputException}: The input is not valid for the catalog (a type, an expression, a partition's values). */
public final class InvalidInputException extends AthenaException {
    public InvalidInputException(String message) {
        super(message);
    }
}
