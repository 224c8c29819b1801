package io.noctua.protocol;

import io.noctua.api.AthenaException;

/**
 * A body that does not say it is AWS JSON. Refusing it is what keeps a web page from calling the
 * API: a browser sends a cross-site request without asking first only with a form's content types.
 */
public final class UnsupportedMediaTypeException extends AthenaException {
    public UnsupportedMediaTypeException(String message) {
        super(message);
    }

    @Override
    public int httpStatus() {
        return 415;
    }
}
