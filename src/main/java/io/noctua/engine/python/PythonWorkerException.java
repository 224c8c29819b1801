package io.noctua.engine.python;

/**
 * The worker could not be started, or died: the message says what happened, for the calculation's
 * reason. {@link #lostWorker()}: a worker that had run the session's cells died, and its variables
 * with it.
 */
public final class PythonWorkerException extends RuntimeException {
    private final boolean lostWorker;

    public PythonWorkerException(String message, Throwable cause) {
        this(message, cause, false);
    }

    private PythonWorkerException(String message, Throwable cause, boolean lostWorker) {
        super(message, cause);
        this.lostWorker = lostWorker;
    }

    /** The session's worker died while it ran a cell. */
    public static PythonWorkerException died(String message) {
        return new PythonWorkerException(message, null, true);
    }

    public boolean lostWorker() {
        return lostWorker;
    }
}
