package io.noctua.store;

import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Optional;

/** What differs between the databases Noctua stores into. Only this class knows. */
public enum SqlDialect {
    SQLITE {
        @Override
        String sequenceColumn(String name) {
            // an alias of the rowid: always above every row present, so newest-first order holds
            return name + " INTEGER PRIMARY KEY";
        }

        @Override
        String orderedText() {
            return "TEXT"; // SQLite compares text byte by byte
        }

        @Override
        String nowMillis() {
            return "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";
        }

        @Override
        Optional<Path> file(String jdbcUrl) {
            String target = jdbcUrl.substring("jdbc:sqlite:".length());
            int parameters = target.indexOf('?');
            if (parameters >= 0) {
                if (target.substring(parameters).contains("mode=memory")) {
                    return Optional.empty();
                }
                target = target.substring(0, parameters);
            }
            if (target.startsWith("file:")) {
                target = target.substring("file:".length());
                if (target.startsWith("//")) {
                    target = target.substring(2);
                }
            }
            if (target.isEmpty() || target.equals(":memory:") || target.startsWith(":resource:")) {
                return Optional.empty();
            }
            return Optional.of(Path.of(target).toAbsolutePath().normalize());
        }

        @Override
        String location(String jdbcUrl) {
            return file(jdbcUrl).map(Path::toString).orElse("an in-memory SQLite database");
        }

        @Override
        String describe(SQLException e) {
            int code = e.getErrorCode();
            if (code == 0 && !(e instanceof SQLiteException)) {
                return e.getMessage(); // the driver's own complaint, not SQLite's
            }
            String name = e instanceof SQLiteException sqlite ? sqlite.getResultCode().name() : SQLiteErrorCode.getErrorCode(code).name();
            String words = switch (code & 0xFF) {
                case FULL -> "the disk is full";
                case IOERR -> "the disk reported an I/O error";
                case READONLY -> "the database file cannot be written (read-only, or moved or deleted while open)";
                case CANTOPEN -> "the database file cannot be opened";
                case CORRUPT -> "the database file is damaged";
                case NOTADB -> "the file is not a SQLite database";
                case BUSY, LOCKED -> "the database stayed locked by another process or connection";
                case NOMEM -> "SQLite ran out of memory";
                case PERM -> "permission denied";
                default -> e.getMessage();
            };
            return words + " (" + name + ")";
        }

        @Override
        boolean breaksConnection(SQLException e) {
            // a full disk or a constraint leaves the connection sound; after these its file handle or
            // cached pages cannot be trusted, and a new connection looks at the file afresh
            int primary = e.getErrorCode() & 0xFF;
            return e.getErrorCode() != 0 && (primary == IOERR || primary == CORRUPT || primary == CANTOPEN || primary == NOTADB
                    || primary == READONLY);
        }
    },
    POSTGRESQL {
        @Override
        String sequenceColumn(String name) {
            return name + " BIGSERIAL PRIMARY KEY";
        }

        @Override
        String nowMillis() {
            return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";
        }

        @Override
        String orderedText() {
            // byte order, as on SQLite, whatever the database's locale: pages end and resume at the same names
            return "TEXT COLLATE \"C\"";
        }

        @Override
        Optional<Path> file(String jdbcUrl) {
            return Optional.empty();
        }

        @Override
        String location(String jdbcUrl) {
            // never the parameters or user information, where a password may be
            String location = jdbcUrl;
            int parameters = location.indexOf('?');
            if (parameters >= 0) {
                location = location.substring(0, parameters);
            }
            int user = location.indexOf('@');
            if (user >= 0) {
                location = "jdbc:postgresql://" + location.substring(user + 1);
            }
            return location;
        }

        @Override
        String describe(SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            String words;
            if (state.equals("53100")) {
                words = "the database server's disk is full";
            }
            else if (state.startsWith("08")) {
                words = "the connection to the database server failed";
            }
            else if (state.equals("3D000")) {
                words = "the database does not exist on the server (create it empty, e.g. with createdb)";
            }
            else if (state.startsWith("28")) {
                words = "the database server refused the user name or password (store.user, store.password)";
            }
            else if (state.equals("23505")) {
                words = "a row with the same key is already stored";
            }
            else if (state.startsWith("57P")) {
                words = "the database server is shutting down or restarting";
            }
            else {
                return e.getMessage() + (state.isEmpty() ? "" : " (SQLState " + state + ")");
            }
            return words + ": " + e.getMessage() + " (SQLState " + state + ")";
        }

        /** An advisory lock key of Noctua's own ("noctua-s" in ASCII). */
        private static final long SCHEMA_LOCK = 7957688418423614835L;

        @Override
        void lockSchema(Connection connection) throws SQLException {
            advisoryLock(connection, "pg_advisory_lock");
        }

        @Override
        void unlockSchema(Connection connection) throws SQLException {
            advisoryLock(connection, "pg_advisory_unlock");
        }

        private static void advisoryLock(Connection connection, String function) throws SQLException {
            try (PreparedStatement statement = connection.prepareStatement("SELECT " + function + "(?)")) {
                statement.setLong(1, SCHEMA_LOCK);
                statement.execute();
            }
        }

        @Override
        boolean breaksConnection(SQLException e) {
            String state = e.getSQLState();
            return state != null && (state.startsWith("08") || state.startsWith("57P"));
        }
    };

    // SQLite's primary result codes
    private static final int PERM = 3;
    private static final int BUSY = 5;
    private static final int LOCKED = 6;
    private static final int NOMEM = 7;
    private static final int READONLY = 8;
    private static final int IOERR = 10;
    private static final int CORRUPT = 11;
    private static final int FULL = 13;
    private static final int CANTOPEN = 14;
    private static final int NOTADB = 26;

    abstract String sequenceColumn(String name);

    /** The type of a text column whose order is used for paging: the same order on every database. */
    abstract String orderedText();

    /**
     * The database's clock as epoch milliseconds, in SQL: leases are written and judged by this one
     * clock, so the servers' own clocks may differ.
     */
    abstract String nowMillis();

    /** The file the store lives in, if it is one (absolute); empty for an in-memory database or a server. */
    abstract Optional<Path> file(String jdbcUrl);

    /** Where the store is, for messages: its file, or its URL without parameters or credentials. */
    abstract String location(String jdbcUrl);

    /** The cause of {@code e} in plain words, with the database's own code: "the disk is full (SQLITE_FULL)". */
    abstract String describe(SQLException e);

    /**
     * Takes the lock held while the schema is checked and migrated, where several servers may do that at once on one
     * database (they take turns); nothing where only one process opens it (SQLite's file is made whole beside it and
     * renamed into place).
     */
    void lockSchema(Connection connection) throws SQLException {
    }

    /** Gives back what {@link #lockSchema} took. */
    void unlockSchema(Connection connection) throws SQLException {
    }

    /** Whether the connection that raised {@code e} is to be replaced by a new one rather than used again. */
    abstract boolean breaksConnection(SQLException e);

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
