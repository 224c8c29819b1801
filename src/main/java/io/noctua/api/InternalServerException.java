package io.noctua.api;

public final class InternalServerException extends AthenaException {
    public InternalServerException(String message) {
        super(message);
    }

    @Override
    public int httpStatus() {
        return 500;
    }
}
