package io.noctua.engine.python;

/** The worker could not be started, or died: the message says what happened, for the calculation's reason. */
public final class PythonWorkerException extends RuntimeException {
    public PythonWorkerException(String message, Throwable cause) {
        super(message, cause);
    }
}
