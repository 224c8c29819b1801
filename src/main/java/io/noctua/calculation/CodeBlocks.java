package io.noctua.calculation;

import java.util.Optional;

/** How a CodeBlock is read: a {@code %%sql} cell, or Python. */
final class CodeBlocks {
    private CodeBlocks() {
    }

    /** The SQL of a cell whose first non-blank line is the {@code %%sql} magic, or empty for Python. */
    static Optional<String> sqlCell(String code) {
        String stripped = code.stripLeading();
        int end = stripped.indexOf('\n');
        String firstLine = (end < 0 ? stripped : stripped.substring(0, end)).strip();
        if (!firstLine.equals("%%sql")) {
            return Optional.empty();
        }
        return Optional.of(end < 0 ? "" : stripped.substring(end + 1));
    }
}
