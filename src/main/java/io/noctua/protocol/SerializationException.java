package io.noctua.protocol;

import io.noctua.api.AthenaException;

/** A body that is not JSON, or a member whose JSON type is not the model's. */
public final class SerializationException extends AthenaException {
    public SerializationException(String message) {
        super(message);
    }
}
