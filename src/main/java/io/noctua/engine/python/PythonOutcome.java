package io.noctua.engine.python;

import static java.util.Objects.requireNonNull;

/**
 * What a cell did in the worker: {@code status} is {@code ok}, {@code error} (the code raised) or
 * {@code interrupted} (a stop reached it); {@code result} is the trailing expression's repr, or null;
 * {@code error} the exception's last line, or null.
 */
public record PythonOutcome(String status, String stdOut, String stdErr, String result, String error) {
    public PythonOutcome {
        requireNonNull(status, "status is null");
        requireNonNull(stdOut, "stdOut is null");
        requireNonNull(stdErr, "stdErr is null");
    }

    public boolean succeeded() {
        return status.equals("ok");
    }
}
