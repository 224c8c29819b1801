package io.noctua.engine.python;

import io.noctua.engine.RichOutputs;

import static java.util.Objects.requireNonNull;

/**
 * What a cell did in the worker: {@code status} is {@code ok}, {@code error} (the code raised) or
 * {@code interrupted} (a stop reached it); {@code rich} is the cell's value and rich outputs (the
 * trailing expression's MIME bundle, displays, graph magics); {@code error} the exception's last line, or null.
 */
public record PythonOutcome(String status, String stdOut, String stdErr, RichOutputs rich, String error) {
    public PythonOutcome {
        requireNonNull(status, "status is null");
        requireNonNull(stdOut, "stdOut is null");
        requireNonNull(stdErr, "stdErr is null");
        requireNonNull(rich, "rich is null");
    }

    public boolean succeeded() {
        return status.equals("ok");
    }
}
