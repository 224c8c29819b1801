package io.noctua.store;

/** What differs between the databases Noctua stores into. Only this class knows. */
public enum SqlDialect {
    SQLITE {
        @Override
        String sequenceColumn(String name) {
            // an alias of the rowid: always above every row present, so newest-first order holds
            return name + " INTEGER PRIMARY KEY";
        }
    },
    POSTGRESQL {
        @Override
        String sequenceColumn(String name) {
            return name + " BIGSERIAL PRIMARY KEY";
        }
    };

    abstract String sequenceColumn(String name);

    static SqlDialect forUrl(String jdbcUrl) {
        if (jdbcUrl.startsWith("jdbc:sqlite:")) {
            return SQLITE;
        }
        if (jdbcUrl.startsWith("jdbc:postgresql:")) {
            return POSTGRESQL;
        }
        throw new IllegalArgumentException("unsupported store URL " + jdbcUrl + ": use jdbc:sqlite: or jdbc:postgresql:");
    }
}
