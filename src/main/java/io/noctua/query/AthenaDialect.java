package io.noctua.query;

import io.noctua.query.SqlTokens.Kind;
import io.noctua.query.SqlTokens.Token;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Athena's statements that Spark SQL does not take as written, parsed and rewritten into Spark
 * SQL that does the same: {@code CREATE TABLE ... WITH (format = ..., external_location = ...,
 * partitioned_by = ARRAY[...], ...) AS SELECT} (every CTAS: Athena writes Parquet under the query's
 * output location when the statement names no format or location), {@code UNLOAD (SELECT ...) TO
 * 's3://...' WITH (format = ...)}, and the SHOW statements whose result columns Athena names
 * otherwise. Everything else runs as written. What has no Spark equivalent fails with a message
 * that says so ({@link Unsupported}).
 */
final class AthenaDialect {
    /**
     * What runs for an Athena statement.
     *
     * @param sparkSql the statement for Spark SQL
     * @param emptyLocation a location that must hold no objects before it runs (UNLOAD's destination), or null
     * @param projection the result columns to keep, and their names, or null for all as Spark names them
     */
    record Translation(String sparkSql, String emptyLocation, Projection projection) {
    }

    /** Result columns by position in Spark's result, with Athena's names. */
    record Projection(int[] columns, String[] names) {
    }

    /** A statement, or a part of one, that Noctua's SQL engine does not run; the message says which. */
    static final class Unsupported extends RuntimeException {
        Unsupported(String message) {
            super(message);
        }
    }

    private static final String DEFAULT_TEXT_DELIMITER = "\u0001";

    private AthenaDialect() {
    }

    /** @param tablesLocation where a CTAS without a location writes: {@code <output location>tables/<query id>/} */
    static Translation translate(String statement, StatementKind kind, String tablesLocation) {
        try {
            return switch (kind.substatementType()) {
                case "CREATE_TABLE_AS_SELECT" -> createTableAs(statement, tablesLocation);
                case "UNLOAD" -> unload(statement);
                case "SHOW_TABLES" -> projected(statement, new int[] {1}, "tab_name");
                case "SHOW_VIEWS" -> projected(statement, new int[] {1}, "views");
                case "SHOW_DATABASES" -> projected(statement, new int[] {0}, "database_name");
                case "SHOW_COLUMNS" -> projected(statement, new int[] {0}, "field");
                default -> new Translation(statement, null, null);
            };
        }
        catch (SqlTokens.SyntaxError e) {
            throw new Unsupported("Syntax error: " + e.getMessage());
        }
    }

    private static Translation projected(String statement, int[] columns, String... names) {
        return new Translation(statement, null, new Projection(columns, names));
    }

    // ---- CREATE TABLE ... [WITH (...)] AS query [WITH [NO] DATA]

    private static Translation createTableAs(String statement, String tablesLocation) {
        Parser p = new Parser(statement);
        p.expectWord("CREATE");
        p.expectWord("TABLE");
        boolean ifNotExists = p.acceptWords("IF", "NOT", "EXISTS");
        String name = p.qualifiedName();
        Map<String, Object> properties = Map.of();
        if (p.peekIs("WITH")) {
            p.expectWord("WITH");
            properties = p.properties();
        }
        if (!p.peekIs("AS")) {
            return new Translation(statement, null, null); // Spark's own form (USING, STORED AS, ...): as written
        }
        p.expectWord("AS");
        int queryStart = p.position();
        int queryEnd = statement.length();
        boolean noData = false;
        List<Token> tail = p.lastTokens(3);
        if (tail.size() == 3 && tail.get(0).is("WITH") && tail.get(1).is("NO") && tail.get(2).is("DATA")) {
            noData = true;
            queryEnd = tail.get(0).start();
        }
        else if (tail.size() >= 2 && tail.get(tail.size() - 2).is("WITH") && tail.get(tail.size() - 1).is("DATA")) {
            queryEnd = tail.get(tail.size() - 2).start();
        }
        String query = statement.substring(queryStart, queryEnd).strip();
        if (query.isEmpty()) {
            throw new Unsupported("CREATE TABLE ... AS needs a query after AS");
        }
        Properties props = new Properties(properties, "CREATE TABLE AS");
        String tableType = props.string("table_type", "HIVE").toUpperCase(Locale.ROOT);
        if (tableType.equals("ICEBERG")) {
            throw new Unsupported("CREATE TABLE AS with table_type = 'ICEBERG' is not supported by Noctua's SQL engine yet: create Iceberg "
                    + "tables from a Spark session (see the README's table formats)");
        }
        if (!tableType.equals("HIVE")) {
            throw new Unsupported("table_type '" + tableType + "' is not a table type of CREATE TABLE AS; use 'HIVE' or 'ICEBERG'");
        }
        String format = props.string("format", "PARQUET").toUpperCase(Locale.ROOT);
        String location = props.string("external_location", tablesLocation);
        List<String> partitionedBy = props.strings("partitioned_by");
        List<String> bucketedBy = props.strings("bucketed_by");
        Long bucketCount = props.number("bucket_count");
        String compression = props.string("write_compression", null);
        if (compression == null) {
            compression = props.string(format.equals("ORC") ? "orc_compression" : "parquet_compression", null);
        }
        String delimiter = delimiter(props.string("field_delimiter", DEFAULT_TEXT_DELIMITER));
        props.string("is_external", null); // Athena's CTAS tables are external; so are Noctua's, having a location
        props.rejectOthers();

        StringBuilder sql = new StringBuilder("CREATE TABLE ");
        if (ifNotExists) {
            sql.append("IF NOT EXISTS ");
        }
        sql.append(name);
        if (!partitionedBy.isEmpty()) {
            sql.append(" PARTITIONED BY (").append(names(partitionedBy)).append(')');
        }
        if (!bucketedBy.isEmpty() || bucketCount != null) {
            if (bucketedBy.isEmpty() || bucketCount == null) {
                throw new Unsupported("bucketed_by and bucket_count go together in CREATE TABLE AS");
            }
            sql.append(" CLUSTERED BY (").append(names(bucketedBy)).append(") INTO ").append(bucketCount).append(" BUCKETS");
        }
        String compressionProperty;
        switch (format) {
            case "PARQUET" -> {
                sql.append(" STORED AS PARQUET");
                compressionProperty = "parquet.compression";
            }
            case "ORC" -> {
                sql.append(" STORED AS ORC");
                compressionProperty = "orc.compress";
            }
            case "AVRO" -> {
                sql.append(" STORED AS AVRO");
                compressionProperty = "avro.output.codec";
            }
            case "TEXTFILE" -> {
                sql.append(" ROW FORMAT DELIMITED FIELDS TERMINATED BY ").append(literal(delimiter)).append(" STORED AS TEXTFILE");
                compressionProperty = null;
            }
            case "JSON" -> {
                sql.append(" ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe' STORED AS TEXTFILE");
                compressionProperty = null;
            }
            default -> throw new Unsupported("format '" + format + "' of CREATE TABLE AS is not supported; use PARQUET, ORC, AVRO, "
                    + "TEXTFILE or JSON");
        }
        sql.append(" LOCATION ").append(literal(location));
        if (compression != null && !compression.equalsIgnoreCase("NONE")) {
            if (compressionProperty == null) {
                throw new Unsupported("write_compression is not supported for " + format + " tables yet; leave it out for uncompressed files");
            }
            sql.append(" TBLPROPERTIES (").append(literal(compressionProperty)).append(" = ")
                    .append(literal(compression.toUpperCase(Locale.ROOT))).append(')');
        }
        sql.append(" AS ").append(noData ? "SELECT * FROM (" + query + ") AS q LIMIT 0" : query);
        return new Translation(sql.toString(), null, null);
    }

    // ---- UNLOAD (query) TO 'location' WITH (...)

    private static Translation unload(String statement) {
        Parser p = new Parser(statement);
        p.expectWord("UNLOAD");
        int open = p.expectSymbol('(');
        int close = p.skipToClosing();
        String query = statement.substring(open + 1, close).strip();
        p.expectWord("TO");
        String location = p.string();
        p.expectWord("WITH");
        Properties props = new Properties(p.properties(), "UNLOAD");
        p.expectEnd();
        String format = props.string("format", null);
        if (format == null) {
            throw new Unsupported("UNLOAD needs the property format, e.g. WITH (format = 'PARQUET')");
        }
        format = format.toUpperCase(Locale.ROOT);
        if (!props.strings("partitioned_by").isEmpty()) {
            throw new Unsupported("UNLOAD with partitioned_by is not supported yet: write partitioned files with CREATE TABLE AS and "
                    + "partitioned_by");
        }
        String compression = props.string("compression", null);
        String delimiter = delimiter(props.string("field_delimiter", DEFAULT_TEXT_DELIMITER));
        props.rejectOthers();
        Map<String, String> options = new LinkedHashMap<>();
        String source = switch (format) {
            case "PARQUET" -> "parquet";
            case "ORC" -> "orc";
            case "AVRO" -> "avro";
            case "JSON" -> {
                compression = compression == null ? "gzip" : compression;
                yield "json";
            }
            case "TEXTFILE" -> {
                compression = compression == null ? "gzip" : compression;
                options.put("sep", delimiter);
                yield "csv";
            }
            default -> throw new Unsupported("format '" + format + "' of UNLOAD is not supported; use PARQUET, ORC, AVRO, JSON or TEXTFILE");
        };
        if (compression != null) {
            options.put("compression", compression.toLowerCase(Locale.ROOT));
        }
        StringBuilder sql = new StringBuilder("INSERT OVERWRITE DIRECTORY ").append(literal(location)).append(" USING ").append(source);
        if (!options.isEmpty()) {
            List<String> pairs = new ArrayList<>();
            options.forEach((key, value) -> pairs.add(literal(key) + " = " + literal(value)));
            sql.append(" OPTIONS (").append(String.join(", ", pairs)).append(')');
        }
        sql.append(' ').append(query);
        return new Translation(sql.toString(), location, null);
    }

    // ---- pieces

    /** Athena writes a delimiter as the character itself; {@code \t}, {@code \n} and an octal {@code \001} are read as escapes too. */
    private static String delimiter(String written) {
        String value = switch (written) {
            case "\\t" -> "\t";
            case "\\n" -> "\n";
            default -> written.matches("\\\\[0-7]{3}") ? String.valueOf((char) Integer.parseInt(written.substring(1), 8)) : written;
        };
        if (value.length() != 1) {
            throw new Unsupported("field_delimiter must be one character, not '" + written + "'");
        }
        return value;
    }

    private static String names(List<String> columns) {
        List<String> quoted = new ArrayList<>();
        for (String column : columns) {
            quoted.add('`' + column.replace("`", "``") + '`');
        }
        return String.join(", ", quoted);
    }

    /** A Spark SQL string literal: backslash escapes, non-printable characters as {@code \\uXXXX}. */
    static String literal(String value) {
        StringBuilder out = new StringBuilder("'");
        for (char c : value.toCharArray()) {
            if (c == '\'' || c == '\\') {
                out.append('\\').append(c);
            }
            else if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\u%04x", (int) c));
            }
            else {
                out.append(c);
            }
        }
        return out.append('\'').toString();
    }

    /** A WITH (...) list, each property taken once by name; what is left unread is refused. */
    private static final class Properties {
        private final Map<String, Object> values;
        private final String statement;

        Properties(Map<String, Object> values, String statement) {
            this.values = new LinkedHashMap<>(values);
            this.statement = statement;
        }

        String string(String key, String fallback) {
            Object value = values.remove(key);
            if (value == null) {
                return fallback;
            }
            if (value instanceof List<?>) {
                throw new Unsupported(key + " of " + statement + " takes one value, not an ARRAY");
            }
            return value.toString();
        }

        Long number(String key) {
            Object value = values.remove(key);
            if (value == null) {
                return null;
            }
            try {
                return Long.parseLong(value.toString());
            }
            catch (NumberFormatException e) {
                throw new Unsupported(key + " of " + statement + " takes a whole number, not " + value);
            }
        }

        List<String> strings(String key) {
            Object value = values.remove(key);
            if (value == null) {
                return List.of();
            }
            if (!(value instanceof List<?> list)) {
                throw new Unsupported(key + " of " + statement + " takes an ARRAY['column', ...]");
            }
            return list.stream().map(Object::toString).toList();
        }

        void rejectOthers() {
            if (!values.isEmpty()) {
                throw new Unsupported("The property " + values.keySet().iterator().next() + " of " + statement
                        + " is not supported by Noctua's SQL engine");
            }
        }
    }

    /** Reads tokens in order; every mistake is a {@link SqlTokens.SyntaxError} naming what was expected. */
    private static final class Parser {
        private final String text;
        private final List<Token> tokens;
        private int next;

        Parser(String text) {
            this.text = text;
            this.tokens = SqlTokens.of(text);
        }

        private Token peek() {
            return next < tokens.size() ? tokens.get(next) : null;
        }

        boolean peekIs(String word) {
            Token token = peek();
            return token != null && token.is(word);
        }

        /** Where the next token starts in the text (its length at the end). */
        int position() {
            Token token = peek();
            return token == null ? text.length() : token.start();
        }

        List<Token> lastTokens(int count) {
            return tokens.subList(Math.max(next, tokens.size() - count), tokens.size());
        }

        void expectWord(String word) {
            Token token = peek();
            if (token == null || !token.is(word)) {
                throw new SqlTokens.SyntaxError("expected " + word + (token == null ? " at the end" : " at '" + token.text() + "'"));
            }
            next++;
        }

        boolean acceptWords(String... words) {
            for (int i = 0; i < words.length; i++) {
                if (next + i >= tokens.size() || !tokens.get(next + i).is(words[i])) {
                    return false;
                }
            }
            next += words.length;
            return true;
        }

        int expectSymbol(char symbol) {
            Token token = peek();
            if (token == null || !token.isSymbol(symbol)) {
                throw new SqlTokens.SyntaxError("expected '" + symbol + "'" + (token == null ? " at the end" : " at '" + token.text() + "'"));
            }
            next++;
            return token.start();
        }

        /** Past the parenthesis that closes the one just read; returns where it is. */
        int skipToClosing() {
            int depth = 1;
            while (next < tokens.size()) {
                Token token = tokens.get(next++);
                if (token.isSymbol('(')) {
                    depth++;
                }
                else if (token.isSymbol(')') && --depth == 0) {
                    return token.start();
                }
            }
            throw new SqlTokens.SyntaxError("a parenthesis is never closed");
        }

        void expectEnd() {
            Token token = peek();
            if (token != null && !token.isSymbol(';')) {
                throw new SqlTokens.SyntaxError("unexpected '" + token.text() + "' after the end of the statement");
            }
        }

        String string() {
            Token token = peek();
            if (token == null || token.kind() != Kind.STRING) {
                throw new SqlTokens.SyntaxError("expected a quoted string" + (token == null ? " at the end" : " at '" + token.text() + "'"));
            }
            next++;
            return token.value();
        }

        /** {@code a.b}, {@code "a"."b"} or {@code `a`.b}, as Spark writes it: each part in backticks. */
        String qualifiedName() {
            List<String> parts = new ArrayList<>();
            do {
                Token token = peek();
                if (token == null || token.kind() != Kind.WORD && token.kind() != Kind.QUOTED_NAME) {
                    throw new SqlTokens.SyntaxError("expected a table name" + (token == null ? " at the end" : " at '" + token.text() + "'"));
                }
                next++;
                parts.add('`' + token.value().replace("`", "``") + '`');
            } while (acceptSymbol('.'));
            return String.join(".", parts);
        }

        private boolean acceptSymbol(char symbol) {
            Token token = peek();
            if (token != null && token.isSymbol(symbol)) {
                next++;
                return true;
            }
            return false;
        }

        /** {@code ( name = value [, ...] )}: names lower-cased; a value is a string, a number, TRUE/FALSE or ARRAY[...]. */
        Map<String, Object> properties() {
            expectSymbol('(');
            Map<String, Object> properties = new LinkedHashMap<>();
            do {
                Token key = peek();
                if (key == null || key.kind() != Kind.WORD && key.kind() != Kind.QUOTED_NAME) {
                    throw new SqlTokens.SyntaxError("expected a property name" + (key == null ? " at the end" : " at '" + key.text() + "'"));
                }
                next++;
                expectSymbol('=');
                String name = key.value().toLowerCase(Locale.ROOT);
                if (properties.put(name, value()) != null) {
                    throw new Unsupported("The property " + name + " is given twice");
                }
            } while (acceptSymbol(','));
            expectSymbol(')');
            return properties;
        }

        private Object value() {
            Token token = peek();
            if (token == null) {
                throw new SqlTokens.SyntaxError("expected a value at the end");
            }
            if (token.is("ARRAY")) {
                next++;
                expectSymbol('[');
                List<String> items = new ArrayList<>();
                if (!acceptSymbol(']')) {
                    do {
                        items.add(string());
                    } while (acceptSymbol(','));
                    expectSymbol(']');
                }
                return items;
            }
            if (token.kind() == Kind.STRING || token.kind() == Kind.NUMBER || token.is("TRUE") || token.is("FALSE")) {
                next++;
                return token.value();
            }
            throw new SqlTokens.SyntaxError("expected a value at '" + token.text() + "'");
        }
    }
}
