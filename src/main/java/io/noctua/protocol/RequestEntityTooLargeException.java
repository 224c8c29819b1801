package io.noctua.protocol;

import io.noctua.api.AthenaException;

/** A request body over the configured limit; the body is not read further. */
public final class RequestEntityTooLargeException extends AthenaException {
    public RequestEntityTooLargeException(String message) {
        super(message);
    }

    @Override
    public int httpStatus() {
        return 413;
    }
}
