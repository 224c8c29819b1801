package io.noctua.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.noctua.protocol.JsonCodec;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The database under the stores, on JDBC: SQLite (WAL, one file) by default. Every statement binds
 * its parameters; every write is committed before the caller answers its client, so a crash loses
 * nothing acknowledged.
 * One connection serves all calls, one at a time: SQLite runs one writer at a time anyway, and a
 * keyed read takes microseconds.
 */
public final class Database implements AutoCloseable {
    private final Connection connection;
    private final java.util.Map<String, PreparedStatement> statements = new java.util.HashMap<>();

    private Database(Connection connection) {
        this.connection = requireNonNull(connection, "connection is null");
    }

    public static Database open(String jdbcUrl) {
        SqlDialect dialect = SqlDialect.forUrl(jdbcUrl);
        try {
            Connection connection = DriverManager.getConnection(jdbcUrl);
            if (dialect == SqlDialect.SQLITE) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("PRAGMA journal_mode=WAL");
                    // NORMAL in WAL mode survives a killed process; only a power cut may lose the last commits
                    statement.execute("PRAGMA synchronous=NORMAL");
                    statement.execute("PRAGMA busy_timeout=5000");
                }
            }
            migrate(connection, dialect);
            return new Database(connection);
        }
        catch (SQLException e) {
            throw new StoreException("cannot open the store at " + jdbcUrl + ": " + e.getMessage(), e);
        }
    }

    private static void migrate(Connection connection, SqlDialect dialect) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
        }
        int current = 0;
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT MAX(version) FROM schema_version")) {
            if (rows.next()) {
                current = rows.getInt(1);
            }
        }
        List<String> steps = Migrations.steps(dialect);
        if (current > steps.size()) {
            throw new StoreException("the store's schema version " + current + " is newer than this Noctua (" + steps.size() + ")", null);
        }
        for (int version = current + 1; version <= steps.size(); version++) {
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                for (String sql : steps.get(version - 1).split(";\\s*\\n")) {
                    if (!sql.isBlank()) {
                        statement.execute(sql);
                    }
                }
                statement.execute("INSERT INTO schema_version (version) VALUES (" + version + ")");
                connection.commit();
            }
            catch (SQLException e) {
                connection.rollback();
                throw e;
            }
            finally {
                connection.setAutoCommit(true);
            }
        }
    }

    @Override
    public synchronized void close() {
        try {
            for (PreparedStatement statement : statements.values()) {
                statement.close();
            }
            connection.close();
        }
        catch (SQLException e) {
            throw new StoreException("cannot close the store", e);
        }
    }

    /** Runs {@code work} in one transaction: all of it is stored, or none. */
    synchronized <T> T inTransaction(java.util.function.Supplier<T> work) {
        try {
            connection.setAutoCommit(false);
            try {
                T result = work.get();
                connection.commit();
                return result;
            }
            catch (RuntimeException e) {
                connection.rollback();
                throw e;
            }
            finally {
                connection.setAutoCommit(true);
            }
        }
        catch (SQLException e) {
            throw new StoreException("store transaction failed: " + e.getMessage(), e);
        }
    }


    /** A listed row with its position in the newest-first order. */
    record Sequenced<T>(long seq, T value) {
    }

    /** Rows were read with one extra: if it came back, there is a next page, starting below the last row kept. */
    static <T> Page<T> page(List<Sequenced<T>> rows, int limit) {
        List<T> items = rows.stream().limit(limit).map(Sequenced::value).toList();
        Optional<Long> next = rows.size() > limit ? Optional.of(rows.get(limit - 1).seq()) : Optional.empty();
        return new Page<>(items, next);
    }

    @FunctionalInterface
    interface RowMapper<T> {
        T map(ResultSet row) throws SQLException;
    }

    synchronized int execute(String sql, Object... parameters) {
        try {
            return prepare(sql, parameters).executeUpdate();
        }
        catch (SQLException e) {
            throw new StoreException("store write failed: " + e.getMessage(), e);
        }
    }

    synchronized <T> List<T> query(String sql, RowMapper<T> mapper, Object... parameters) {
        try (ResultSet rows = prepare(sql, parameters).executeQuery()) {
            List<T> result = new ArrayList<>();
            while (rows.next()) {
                result.add(mapper.map(rows));
            }
            return result;
        }
        catch (SQLException e) {
            throw new StoreException("store read failed: " + e.getMessage(), e);
        }
    }

    synchronized <T> Optional<T> queryOne(String sql, RowMapper<T> mapper, Object... parameters) {
        List<T> rows = query(sql, mapper, parameters);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    /** Each statement is prepared once and reused: the store's SQL is a fixed set of strings. */
    private PreparedStatement prepare(String sql, Object... parameters) throws SQLException {
        PreparedStatement statement = statements.get(sql);
        if (statement == null) {
            statement = connection.prepareStatement(sql);
            statements.put(sql, statement);
        }
        statement.clearParameters();
        for (int i = 0; i < parameters.length; i++) {
            if (parameters[i] == null) {
                statement.setNull(i + 1, Types.VARCHAR);
            }
            else {
                statement.setObject(i + 1, parameters[i]);
            }
        }
        return statement;
    }

    static Long millis(Instant instant) {
        return instant == null ? null : instant.toEpochMilli();
    }

    static Instant instant(ResultSet row, int column) throws SQLException {
        long value = row.getLong(column);
        return row.wasNull() ? null : Instant.ofEpochMilli(value);
    }

    static String json(Object value) {
        return new String(JsonCodec.encode(value), java.nio.charset.StandardCharsets.UTF_8);
    }

    static <T> T fromJson(String json, Class<T> type) throws SQLException {
        try {
            return JsonCodec.mapper().readValue(json, type);
        }
        catch (JsonProcessingException e) {
            throw new SQLException("stored JSON is not a " + type.getSimpleName(), e);
        }
    }
}
