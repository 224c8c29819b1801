package io.noctua.api.glue;

import io.noctua.api.AthenaException;

/** Glue's {@code EntityNotFoundException}: An entity the request names (database, table, partition) does not exist. */
public final class EntityNotFoundException extends AthenaException {
    public EntityNotFoundException(String message) {
        super(message);
    }
}
