package io.noctua.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * SQL text read as code, quoted text ({@code '...'}, {@code "..."}, {@code `...`}) and comments:
 * splits a {@code %%sql} cell into statements at semicolons outside quotes and comments (Spark's
 * {@code sql()} takes one statement at a time), binds {@code ?} parameters, and finds a
 * statement's leading keywords.
 */
public final class SqlStatements {
    private SqlStatements() {
    }

    /** The statements of {@code text}, without their semicolons; statements of only comments are left out. */
    public static List<String> split(String text) {
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

    /** Which characters of {@code text} are code: outside quoted text and comments. */
    private static boolean[] code(String text) {
        boolean[] code = new boolean[text.length()];
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            int end;
            if (c == '\'' || c == '"' || c == '`') {
                end = closing(text, i, c);
            }
            else if (c == '-' && i + 1 < text.length() && text.charAt(i + 1) == '-') {
                end = text.indexOf('\n', i);
                end = end < 0 ? text.length() : end;
            }
            else if (c == '/' && i + 1 < text.length() && text.charAt(i + 1) == '*') {
                end = text.indexOf("*/", i + 2);
                end = end < 0 ? text.length() : end + 2;
            }
            else {
                code[i] = true;
                end = i + 1;
            }
            i = end;
        }
        return code;
    }

    /** How many {@code ?} parameter markers {@code statement} has outside quotes and comments. */
    public static int parameterCount(String statement) {
        boolean[] code = code(statement);
        int count = 0;
        for (int i = 0; i < statement.length(); i++) {
            if (code[i] && statement.charAt(i) == '?') {
                count++;
            }
        }
        return count;
    }

    /**
     * {@code statement} with its {@code ?} markers replaced, in order, by {@code values}, each a SQL
     * literal as written ({@code 'text'}, {@code 42}, {@code DATE '2024-01-01'}); the caller has
     * checked that there are as many values as markers.
     */
    public static String bind(String statement, List<String> values) {
        boolean[] code = code(statement);
        StringBuilder bound = new StringBuilder(statement.length() + 16 * values.size());
        int next = 0;
        for (int i = 0; i < statement.length(); i++) {
            char c = statement.charAt(i);
            if (code[i] && c == '?' && next < values.size()) {
                bound.append(values.get(next++));
            }
            else {
                bound.append(c);
            }
        }
        return bound.toString();
    }

    /** The parts of {@code text} between the {@code separator}s that are code and outside parentheses, stripped. */
    public static List<String> splitTopLevel(String text, char separator) {
        boolean[] code = code(text);
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            if (!code[i]) {
                continue;
            }
            char c = text.charAt(i);
            if (c == '(' || c == '[') {
                depth++;
            }
            else if ((c == ')' || c == ']') && depth > 0) {
                depth--;
            }
            else if (c == separator && depth == 0) {
                parts.add(text.substring(start, i).strip());
                start = i + 1;
            }
        }
        parts.add(text.substring(start).strip());
        return parts;
    }

    /**
     * Where the code word {@code word} (case-insensitive, whole) first appears in {@code text} at or
     * after {@code from}, outside quotes and comments; -1 if it does not.
     */
    public static int indexOfWord(String text, String word, int from) {
        boolean[] code = code(text);
        for (int i = Math.max(0, from); i + word.length() <= text.length(); i++) {
            if (code[i] && text.regionMatches(true, i, word, 0, word.length())
                    && (i == 0 || !isWordPart(text.charAt(i - 1)))
                    && (i + word.length() == text.length() || !isWordPart(text.charAt(i + word.length())))) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isWordPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    /** The first {@code limit} words of the code of {@code statement}, upper-cased; a parenthesis is a word of its own. */
    public static List<String> leadingWords(String statement, int limit) {
        boolean[] code = code(statement);
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < statement.length() && words.size() < limit; i++) {
            char c = statement.charAt(i);
            boolean part = code[i] && (Character.isLetterOrDigit(c) || c == '_');
            if (part) {
                word.append(Character.toUpperCase(c));
                continue;
            }
            if (!word.isEmpty()) {
                words.add(word.toString());
                word.setLength(0);
            }
            if (code[i] && c == '(' && words.size() < limit) {
                words.add("(");
            }
            else if (!code[i] && (c == '`' || c == '"') && i > 0 && code[i - 1] && words.size() < limit) {
                words.add("`"); // a quoted name
            }
        }
        if (!word.isEmpty() && words.size() < limit) {
            words.add(word.toString());
        }
        return words;
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
