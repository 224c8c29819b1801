package io.noctua.engine;

import static java.util.Objects.requireNonNull;

/** What a {@code %%sql} cell shows: each result as {@code .show()} prints it, one after the other. */
public record SqlOutput(String shown) {
    public SqlOutput {
        requireNonNull(shown, "shown is null");
    }
}
