package io.noctua.api.glue;

import io.noctua.api.AthenaException;

/** Glue's {@code AlreadyExistsException}: The database, table or partition to create exists already. */
public final class AlreadyExistsException extends AthenaException {
    public AlreadyExistsException(String message) {
        super(message);
    }
}
