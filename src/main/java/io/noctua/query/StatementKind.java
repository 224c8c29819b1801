package io.noctua.query;

import io.noctua.engine.SqlStatements;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * What kind of statement a query is, in Athena's terms: {@code StatementType} (DDL, DML or UTILITY)
 * and {@code SubstatementType} ({@code SELECT}, {@code CREATE_TABLE}, {@code SHOW_TABLES}...), read
 * from its leading keywords. It decides the result file: DML writes CSV, the others text.
 */
public record StatementKind(String statementType, String substatementType) {
    public StatementKind {
        requireNonNull(statementType, "statementType is null");
        requireNonNull(substatementType, "substatementType is null");
    }

    public boolean writesCsv() {
        return statementType.equals("DML");
    }

    public String resultExtension() {
        return writesCsv() ? ".csv" : ".txt";
    }

    public static StatementKind of(String statement) {
        List<String> words = SqlStatements.leadingWords(statement, 8);
        String first = words.isEmpty() ? "" : words.get(0);
        return switch (first) {
            case "SELECT", "WITH", "VALUES", "TABLE", "(" -> dml("SELECT");
            case "INSERT" -> dml("INSERT");
            case "UPDATE", "DELETE", "MERGE" -> dml(first);
            case "UNLOAD" -> dml("UNLOAD");
            case "CREATE" -> create(words, statement);
            case "DROP" -> ddl("DROP_" + object(words, 1));
            case "ALTER" -> alter(words);
            case "SHOW" -> show(words);
            case "DESCRIBE", "DESC" -> ddl(words.size() > 1 && words.get(1).equals("VIEW") ? "DESCRIBE_VIEW" : "DESCRIBE_TABLE");
            case "MSCK" -> ddl("MSCK_REPAIR_TABLE");
            case "EXPLAIN" -> utility("EXPLAIN");
            case "USE" -> utility("USE");
            case "EXECUTE", "PREPARE", "DEALLOCATE" -> utility(first);
            default -> utility(first.isEmpty() ? "UNKNOWN" : first);
        };
    }

    private static StatementKind create(List<String> words, String statement) {
        String object = object(words, 1);
        if (object.equals("TABLE") && hasTopLevelAsQuery(statement)) {
            return dml("CREATE_TABLE_AS_SELECT");
        }
        return ddl("CREATE_" + object);
    }

    /** The object a CREATE or DROP names, past OR REPLACE, EXTERNAL, TEMPORARY and the like; SCHEMA is DATABASE. */
    private static String object(List<String> words, int from) {
        for (int i = from; i < words.size(); i++) {
            String word = words.get(i);
            switch (word) {
                case "OR", "REPLACE", "EXTERNAL", "TEMPORARY", "TEMP", "GLOBAL", "MATERIALIZED", "PROTECTED", "MULTI_DIALECT" -> {
                }
                case "SCHEMA", "DATABASE" -> {
                    return "DATABASE";
                }
                default -> {
                    return word;
                }
            }
        }
        return "UNKNOWN";
    }

    private static StatementKind alter(List<String> words) {
        String object = object(words, 1);
        if (object.equals("TABLE")) {
            for (int i = 2; i + 1 < words.size(); i++) {
                if ((words.get(i).equals("ADD") || words.get(i).equals("DROP")) && words.get(i + 1).equals("PARTITION")
                        || words.get(i).equals("ADD") && words.get(i + 1).equals("IF")) {
                    return ddl("ALTER_TABLE_" + words.get(i) + "_PARTITION");
                }
            }
        }
        return ddl("ALTER_" + object);
    }

    private static StatementKind show(List<String> words) {
        String what = words.size() > 1 ? words.get(1) : "";
        return switch (what) {
            case "CREATE" -> ddl("SHOW_CREATE_" + object(words, 2));
            case "SCHEMAS", "DATABASES" -> ddl("SHOW_DATABASES");
            case "TABLES", "VIEWS", "COLUMNS", "PARTITIONS", "TBLPROPERTIES", "FUNCTIONS" -> ddl("SHOW_" + what);
            default -> ddl("SHOW");
        };
    }

    /** A CREATE TABLE whose definition is a query: {@code AS} followed by SELECT, WITH, VALUES or a parenthesis. */
    private static boolean hasTopLevelAsQuery(String statement) {
        List<String> words = SqlStatements.leadingWords(statement, 400);
        for (int i = 0; i + 1 < words.size(); i++) {
            if (words.get(i).equals("AS") && List.of("SELECT", "WITH", "VALUES", "(", "TABLE").contains(words.get(i + 1))) {
                return true;
            }
        }
        return false;
    }

    private static StatementKind dml(String sub) {
        return new StatementKind("DML", sub);
    }

    private static StatementKind ddl(String sub) {
        return new StatementKind("DDL", sub);
    }

    private static StatementKind utility(String sub) {
        return new StatementKind("UTILITY", sub);
    }
}
