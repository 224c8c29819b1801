package io.noctua.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a {@code %%sql} cell into statements at semicolons that are outside quotes, backticks and
 * comments. Spark's {@code sql()} takes one statement at a time.
 */
final class SqlStatements {
    private SqlStatements() {
    }

    static List<String> split(String text) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\'' || c == '"' || c == '`') {
                int end = closing(text, i, c);
                current.append(text, i, end);
                i = end;
            }
            else if (c == '-' && i + 1 < text.length() && text.charAt(i + 1) == '-') {
                int end = text.indexOf('\n', i);
                end = end < 0 ? text.length() : end;
                current.append(text, i, end);
                i = end;
            }
            else if (c == '/' && i + 1 < text.length() && text.charAt(i + 1) == '*') {
                int end = text.indexOf("*/", i + 2);
                end = end < 0 ? text.length() : end + 2;
                current.append(text, i, end);
                i = end;
            }
            else if (c == ';') {
                add(statements, current);
                current.setLength(0);
                i++;
            }
            else {
                current.append(c);
                i++;
            }
        }
        add(statements, current);
        return statements;
    }

    private static int closing(String text, int start, char quote) {
        int i = start + 1;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\\' && quote != '`') {
                i += 2;
                continue;
            }
            if (c == quote) {
                return i + 1;
            }
            i++;
        }
        return text.length();
    }

    private static void add(List<String> statements, StringBuilder statement) {
        String trimmed = statement.toString().strip();
        if (!trimmed.isEmpty() && !isOnlyComments(trimmed)) {
            statements.add(trimmed);
        }
    }

    private static boolean isOnlyComments(String statement) {
        return statement.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("--[^\\n]*", "").isBlank();
    }
}
