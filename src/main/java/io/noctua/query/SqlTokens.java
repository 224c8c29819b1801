package io.noctua.query;

import java.util.ArrayList;
import java.util.List;

/**
 * SQL text as tokens, each with where it starts and ends in the text: words, quoted names
 * ({@code "x"}, {@code `x`}), string literals ({@code 'x'}, with {@code ''} for a quote), numbers
 * and single-character symbols. Comments are skipped. The dialect parser reads Athena's statements
 * with them and cuts the parts it keeps (a query) from the text as written.
 */
final class SqlTokens {
    enum Kind { WORD, QUOTED_NAME, STRING, NUMBER, SYMBOL }

    record Token(Kind kind, String text, int start, int end) {
        /** A word, matched without regard to case. */
        boolean is(String word) {
            return kind == Kind.WORD && text.equalsIgnoreCase(word);
        }

        boolean isSymbol(char symbol) {
            return kind == Kind.SYMBOL && text.charAt(0) == symbol;
        }

        /** A string literal's value, or a quoted name's name, without its quotes. */
        String value() {
            if (kind != Kind.STRING && kind != Kind.QUOTED_NAME) {
                return text;
            }
            char quote = text.charAt(0);
            String inner = text.substring(1, Math.max(1, text.length() - 1));
            return inner.replace(String.valueOf(quote) + quote, String.valueOf(quote));
        }
    }

    static final class SyntaxError extends RuntimeException {
        SyntaxError(String message) {
            super(message);
        }
    }

    private SqlTokens() {
    }

    static List<Token> of(String text) {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            }
            else if (c == '-' && i + 1 < n && text.charAt(i + 1) == '-') {
                int end = text.indexOf('\n', i);
                i = end < 0 ? n : end + 1;
            }
            else if (c == '/' && i + 1 < n && text.charAt(i + 1) == '*') {
                int end = text.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            }
            else if (c == '\'' || c == '"' || c == '`') {
                int end = closingQuote(text, i, c);
                tokens.add(new Token(c == '\'' ? Kind.STRING : Kind.QUOTED_NAME, text.substring(i, end), i, end));
                i = end;
            }
            else if (Character.isLetter(c) || c == '_') {
                int end = i + 1;
                while (end < n && (Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '_')) {
                    end++;
                }
                tokens.add(new Token(Kind.WORD, text.substring(i, end), i, end));
                i = end;
            }
            else if (Character.isDigit(c)) {
                int end = i + 1;
                while (end < n && (Character.isDigit(text.charAt(end)) || text.charAt(end) == '.')) {
                    end++;
                }
                tokens.add(new Token(Kind.NUMBER, text.substring(i, end), i, end));
                i = end;
            }
            else {
                tokens.add(new Token(Kind.SYMBOL, String.valueOf(c), i, i + 1));
                i++;
            }
        }
        return tokens;
    }

    /** The end of a quoted token starting at {@code start}; a doubled quote is part of it. */
    private static int closingQuote(String text, int start, char quote) {
        int i = start + 1;
        while (i < text.length()) {
            if (text.charAt(i) == quote) {
                if (i + 1 < text.length() && text.charAt(i + 1) == quote) {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            if (text.charAt(i) == '\\' && quote != '`' && i + 1 < text.length()) {
                i += 2;
                continue;
            }
            i++;
        }
        throw new SyntaxError("a quote " + quote + " opened at position " + (start + 1) + " is never closed");
    }
}
