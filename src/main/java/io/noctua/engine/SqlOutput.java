package io.noctua.engine;

import static java.util.Objects.requireNonNull;

/**
 * What a {@code %%sql} cell shows: each result as {@code .show()} prints it, one after the other, and
 * the same results as tables ({@link RichOutputs}: a {@code display_data} per statement that returned
 * columns, then the shown text as the cell's value).
 */
public record SqlOutput(String shown, RichOutputs rich) {
    public SqlOutput {
        requireNonNull(shown, "shown is null");
        requireNonNull(rich, "rich is null");
    }
}
