package io.noctua.store;

import io.noctua.session.Page;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * The database under the stores, on JDBC: SQLite (WAL, one file) by default. Every statement binds
 * its parameters; every write is committed before the caller answers its client, so a crash loses
 * nothing acknowledged.
 * One connection serves all calls, one at a time: SQLite runs one writer at a time anyway, and a
 * keyed read takes microseconds.
 * <p>
 * A fault of the store (a full disk, an I/O error, a lost database server) fails the call it happens
 * in with a {@link StoreException} naming the cause and the store, and heals by itself: the call's
 * transaction is rolled back, the cached statements are dropped and prepared again when next used
 * (the SQLite driver finalizes a statement that failed yet keeps the Java object, which from then on
 * only answers "statement is not executing"), and a connection whose state is in doubt is replaced.
 * The next call succeeds as soon as the cause is gone.
 * <p>
 * At start, only a missing SQLite file (or an empty PostgreSQL database) becomes a fresh store. A
 * database that exists but is not Noctua's (an empty file, another program's tables) is refused, so
 * that history is never silently replaced by an empty store.
 */
public final class Database implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Database.class.getName());
    private static final String SCHEMA_VERSION = "schema_version";
    private static final int VALIDITY_CHECK_SECONDS = 2;

    /** Opens a connection to the store; tests pass one that fails on demand. */
    @FunctionalInterface
    interface Connector {
        Connection connect(String jdbcUrl) throws SQLException;
    }

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final String jdbcUrl;
    private final SqlDialect dialect;
    private final String location;
    private final Connector connector;
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    /** Null after a connection was given up and a new one could not be opened yet: the next call opens it. */
    private Connection connection;
    private boolean inTransaction;
    /** The first failure of a statement of the open transaction: once set, the transaction can only roll back. */
    private StoreException transactionFailure;
    private boolean closed;

    private Database(String jdbcUrl, SqlDialect dialect, String location, Connector connector, Connection connection) {
        this.jdbcUrl = requireNonNull(jdbcUrl, "jdbcUrl is null");
        this.dialect = requireNonNull(dialect, "dialect is null");
        this.location = requireNonNull(location, "location is null");
        this.connector = requireNonNull(connector, "connector is null");
        this.connection = requireNonNull(connection, "connection is null");
    }

    public static Database open(String jdbcUrl) {
        return open(jdbcUrl, "", "");
    }

    /**
     * Opens the store at {@code jdbcUrl}, signing in as {@code user} with {@code password} when they
     * are not empty (they may be in the URL instead). Neither is ever part of a message.
     */
    public static Database open(String jdbcUrl, String user, String password) {
        java.util.Properties credentials = new java.util.Properties();
        if (!user.isEmpty()) {
            credentials.setProperty("user", user);
        }
        if (!password.isEmpty()) {
            credentials.setProperty("password", password);
        }
        return open(jdbcUrl, url -> DriverManager.getConnection(url, credentials));
    }

    static Database open(String jdbcUrl, Connector connector) {
        SqlDialect dialect = SqlDialect.forUrl(jdbcUrl);
        String location = dialect.location(jdbcUrl);
        Optional<Path> file = dialect.file(jdbcUrl);
        try {
            if (file.isPresent()) {
                if (Files.notExists(file.get())) {
                    Optional<Path> journal = leftJournal(file.get());
                    if (journal.isPresent()) {
                        // SQLite would play it into the new file: a store of pages from the lost one
                        throw new StoreException("Noctua does not start on the store at " + location + ": the file is missing, but "
                                + journal.get().getFileName() + " beside it (" + Files.size(journal.get()) + " bytes) holds changes of a "
                                + "store that was there. Restore the file from a backup; to begin a new, empty store, move "
                                + journal.get().getFileName() + " away too and start again.", null);
                    }
                    createFresh(file.get(), connector, dialect);
                }
                else if (Files.size(file.get()) == 0) {
                    // checked before SQLite sees the file: opening an empty database file deletes its -wal file
                    throw refusal(location, "the file is empty (0 bytes)" + walNote(file.get()));
                }
            }
            Connection connection = connector.connect(jdbcUrl);
            try {
                requireNoctuaStore(connection, location, file.isPresent());
                configure(connection, dialect);
                migrate(connection, dialect, location);
                return new Database(jdbcUrl, dialect, location, connector, connection);
            }
            catch (SQLException | RuntimeException e) {
                closeQuietly(connection);
                throw e;
            }
        }
        catch (SQLException e) {
            throw new StoreException("the store could not be opened: " + dialect.describe(e) + " at " + location, e);
        }
        catch (IOException e) {
            throw new StoreException("the store could not be opened: " + e + " at " + location, e);
        }
    }

    /**
     * A new SQLite store: its schema is made in a file beside it, renamed into place once complete,
     * so that a start interrupted here never leaves a file at the store's path that is not a store.
     */
    private static void createFresh(Path file, Connector connector, SqlDialect dialect) throws SQLException, IOException {
        Path partial = file.resolveSibling(file.getFileName() + ".creating");
        for (String suffix : List.of("", "-journal", "-wal", "-shm")) {
            Files.deleteIfExists(partial.resolveSibling(partial.getFileName() + suffix)); // a start interrupted before
        }
        try (Connection connection = connector.connect("jdbc:sqlite:" + partial)) {
            migrate(connection, dialect, partial.toString());
        }
        Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel directory = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            directory.force(true); // the rename itself survives a power cut
        }
        catch (IOException e) {
            // not every platform opens a directory; the file is complete either way
        }
        LOG.info("created a new, empty store at " + file);
    }

    /** Refuses a database that has no {@code schema_version}, unless it is an empty database of a server (or in memory). */
    private static void requireNoctuaStore(Connection connection, String location, boolean isFile) throws SQLException {
        Set<String> tables = tableNames(connection);
        if (tables.contains(SCHEMA_VERSION)) {
            return;
        }
        if (isFile) {
            throw refusal(location, tables.isEmpty()
                    ? "the file is a SQLite database without any tables"
                    : "the file is a SQLite database with other tables (" + listed(tables) + ") and none of Noctua's");
        }
        if (!tables.isEmpty()) {
            throw new StoreException("Noctua does not start on the store at " + location + ": the database has tables ("
                    + listed(tables) + ") but no " + SCHEMA_VERSION + ", so it is not a Noctua store. Point store.url at an empty "
                    + "database, where Noctua creates its tables, or at one that Noctua created.", null);
        }
    }

    private static StoreException refusal(String location, String what) {
        return new StoreException("Noctua does not start on the store at " + location + ": " + what + ". If it should hold Noctua's "
                + "sessions and calculations, restore it from a backup; to begin a new, empty store, move the file away (or point "
                + "store.url at another path) and start again.", null);
    }

    /** The write-ahead log or rollback journal of a database file, if one is there with something in it. */
    private static Optional<Path> leftJournal(Path file) throws IOException {
        for (String suffix : List.of("-wal", "-journal")) {
            Path journal = file.resolveSibling(file.getFileName() + suffix);
            if (Files.isRegularFile(journal) && Files.size(journal) > 0) {
                return Optional.of(journal);
            }
        }
        return Optional.empty();
    }

    private static String walNote(Path file) throws IOException {
        Path wal = file.resolveSibling(file.getFileName() + "-wal");
        return Files.isRegularFile(wal) ? "; the file " + wal.getFileName() + " beside it (" + Files.size(wal) + " bytes) was left untouched" : "";
    }

    private static String listed(Set<String> tables) {
        List<String> names = List.copyOf(tables);
        return names.size() <= 5 ? String.join(", ", names) : String.join(", ", names.subList(0, 5)) + ", ...";
    }

    /** The tables of the connection's schema, in lower case, without SQLite's own. */
    private static Set<String> tableNames(Connection connection) throws SQLException {
        Set<String> names = new TreeSet<>();
        try (ResultSet rows = connection.getMetaData().getTables(null, connection.getSchema(), "%", new String[] {"TABLE"})) {
            while (rows.next()) {
                String name = rows.getString("TABLE_NAME").toLowerCase(Locale.ROOT);
                if (!name.startsWith("sqlite_")) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    private static void configure(Connection connection, SqlDialect dialect) throws SQLException {
        if (dialect == SqlDialect.SQLITE) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("PRAGMA busy_timeout=5000");
                statement.execute("PRAGMA journal_mode=WAL");
                // NORMAL in WAL mode survives a killed process; only a power cut may lose the last commits
                statement.execute("PRAGMA synchronous=NORMAL");
            }
        }
    }

    /** Applies the schema's steps the store lacks, each in one transaction with its {@code schema_version} row. */
    private static void migrate(Connection connection, SqlDialect dialect, String location) throws SQLException {
        // servers starting together on one empty database: one makes the tables, the others wait, then find them made
        dialect.lockSchema(connection);
        try {
            migrateLocked(connection, dialect, location);
        }
        finally {
            dialect.unlockSchema(connection);
        }
    }

    private static void migrateLocked(Connection connection, SqlDialect dialect, String location) throws SQLException {
        int current = 0;
        if (tableNames(connection).contains(SCHEMA_VERSION)) {
            try (Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT MAX(version) FROM " + SCHEMA_VERSION)) {
                if (rows.next()) {
                    current = rows.getInt(1);
                }
            }
        }
        List<String> steps = Migrations.steps(dialect);
        if (current > steps.size()) {
            throw new StoreException("the store at " + location + " has schema version " + current + ", newer than this Noctua knows ("
                    + steps.size() + "): run the Noctua that wrote it, or a newer one", null);
        }
        for (int version = current + 1; version <= steps.size(); version++) {
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE IF NOT EXISTS " + SCHEMA_VERSION + " (version INTEGER NOT NULL)");
                for (String sql : steps.get(version - 1).split(";\\s*\\n")) {
                    if (!sql.isBlank()) {
                        statement.execute(sql);
                    }
                }
                statement.execute("INSERT INTO " + SCHEMA_VERSION + " (version) VALUES (" + version + ")");
                connection.commit();
            }
            catch (SQLException | RuntimeException e) {
                try {
                    connection.rollback();
                    connection.setAutoCommit(true);
                }
                catch (SQLException rollback) {
                    e.addSuppressed(rollback); // the connection is closed by the caller, which ends the transaction
                }
                throw e;
            }
            connection.setAutoCommit(true);
        }
        Set<String> missing = new TreeSet<>(Migrations.TABLES);
        missing.removeAll(tableNames(connection));
        if (!missing.isEmpty()) {
            throw new StoreException("Noctua does not start on the store at " + location + ": it records schema version " + steps.size()
                    + " but lacks the tables " + String.join(", ", missing) + ", so it was changed outside Noctua. Restore it from a "
                    + "backup, or move it away to begin a new, empty store.", null);
        }
    }

    SqlDialect dialect() {
        return dialect;
    }

    /** Null when the store answers a read now; otherwise why it does not. */
    public String problem() {
        try {
            query("SELECT 1", row -> 1);
            return null;
        }
        catch (StoreException e) {
            return e.getMessage();
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        discardStatements();
        if (connection != null) {
            try {
                connection.close();
            }
            catch (SQLException e) {
                throw new StoreException("the store could not be closed: " + dialect.describe(e) + " at " + location, e);
            }
            finally {
                connection = null;
            }
        }
    }

    /**
     * Runs {@code work} in one transaction: all of it is stored, or none. If one of its statements
     * fails, nothing of it is committed, even if {@code work} catches the failure and goes on.
     * Called inside another transaction, {@code work} becomes part of that one.
     */
    synchronized <T> T inTransaction(Supplier<T> work) {
        if (inTransaction) {
            return work.get();
        }
        Connection current = connection("write");
        try {
            current.setAutoCommit(false);
        }
        catch (SQLException e) {
            StoreException failure = failure("write", e);
            recover(e);
            throw failure;
        }
        inTransaction = true;
        transactionFailure = null;
        T result;
        try {
            result = work.get();
            if (transactionFailure != null) {
                throw transactionFailure; // the work went on after a failed statement: none of it is kept
            }
            current.commit();
        }
        catch (SQLException e) { // the commit itself, e.g. the disk is full
            StoreException failure = failure("write", e);
            abandonTransaction(current, e);
            throw failure;
        }
        catch (RuntimeException | Error e) {
            StoreException failed = transactionFailure;
            abandonTransaction(current, failed == null ? null : (SQLException) failed.getCause());
            throw e;
        }
        finally {
            inTransaction = false;
            transactionFailure = null;
        }
        try {
            current.setAutoCommit(true);
        }
        catch (SQLException e) { // committed, but the connection is in a state of its own: a new one takes over
            LOG.warning("the store at " + location + " committed but could not return to autocommit: " + dialect.describe(e));
            replaceConnection();
        }
        return result;
    }

    /**
     * After a failed transaction: rolls it back and returns to autocommit. If that fails, whether a
     * transaction is still open is unknown (SQLite ends some on its own when a commit fails), so the
     * connection is replaced: closing it ends whatever it had open.
     */
    private void abandonTransaction(Connection current, SQLException cause) {
        if (cause != null) {
            discardStatements();
        }
        boolean replace = cause != null && dialect.breaksConnection(cause);
        try {
            current.rollback();
            current.setAutoCommit(true);
        }
        catch (SQLException e) {
            replace = true;
        }
        if (replace) {
            replaceConnection();
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
        return run("write", connection -> prepare(connection, sql, parameters).executeUpdate());
    }

    synchronized <T> List<T> query(String sql, RowMapper<T> mapper, Object... parameters) {
        return run("read", connection -> {
            try (ResultSet rows = prepare(connection, sql, parameters).executeQuery()) {
                List<T> result = new ArrayList<>();
                while (rows.next()) {
                    result.add(mapper.map(rows));
                }
                return result;
            }
        });
    }

    synchronized <T> Optional<T> queryOne(String sql, RowMapper<T> mapper, Object... parameters) {
        List<T> rows = query(sql, mapper, parameters);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    /**
     * Runs one statement. Inside a transaction a failure is left to {@link #inTransaction}, which
     * rolls back; outside, the store is made sound again here before the failure is thrown.
     */
    private <T> T run(String action, Work<T> work) {
        if (inTransaction) {
            if (transactionFailure != null) {
                throw new StoreException(transactionFailure.getMessage(), transactionFailure.getCause());
            }
            try {
                return work.run(connection);
            }
            catch (SQLException e) {
                transactionFailure = failure(action, e);
                throw transactionFailure;
            }
        }
        Connection current = connection(action);
        try {
            return work.run(current);
        }
        catch (SQLException e) {
            StoreException failure = failure(action, e);
            recover(e);
            throw failure;
        }
    }

    private StoreException failure(String action, SQLException e) {
        return new StoreException("the store could not " + action + ": " + dialect.describe(e) + " at " + location, e);
    }

    /**
     * After a statement failed outside a transaction: its statement (and, to be sure, every cached
     * one) is dropped, and the connection replaced if the failure or a check says it is unsound.
     */
    private void recover(SQLException cause) {
        discardStatements();
        boolean replace = dialect.breaksConnection(cause);
        if (!replace) {
            try {
                replace = !connection.getAutoCommit() || !connection.isValid(VALIDITY_CHECK_SECONDS);
            }
            catch (SQLException e) {
                replace = true;
            }
        }
        if (replace) {
            replaceConnection();
        }
    }

    /** The connection, opened again if an earlier failure gave it up. */
    private Connection connection(String action) {
        if (closed) {
            throw new StoreException("the store could not " + action + ": it is closed (the server is stopping) at " + location, null);
        }
        if (connection == null) {
            try {
                connection = newConnection();
                LOG.info("reopened the store at " + location);
            }
            catch (SQLException e) {
                throw new StoreException("the store could not " + action + ": it cannot be reopened: " + dialect.describe(e) + " at "
                        + location, e);
            }
        }
        return connection;
    }

    /**
     * Gives up the connection for a new one. The new one is opened before the old one is closed: the
     * old one closing last would checkpoint SQLite's WAL and remove its shared-memory file, which a
     * full disk may not let the new one create again, and reads would fail too.
     */
    private void replaceConnection() {
        discardStatements();
        Connection old = connection;
        connection = null;
        try {
            connection = newConnection();
            LOG.warning("replaced the connection to the store at " + location + " after a failure");
        }
        catch (SQLException e) {
            LOG.warning("the store at " + location + " cannot be reopened yet (" + dialect.describe(e) + "); the next call tries again");
        }
        finally {
            if (old != null) {
                closeQuietly(old);
            }
        }
    }

    private Connection newConnection() throws SQLException {
        Connection fresh = connector.connect(jdbcUrl);
        try {
            configure(fresh, dialect);
            return fresh;
        }
        catch (SQLException | RuntimeException e) {
            closeQuietly(fresh);
            throw e;
        }
    }

    private void discardStatements() {
        for (PreparedStatement statement : statements.values()) {
            try {
                statement.close();
            }
            catch (SQLException e) {
                // it is dropped either way
            }
        }
        statements.clear();
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        }
        catch (SQLException e) {
            LOG.warning("closing a connection to the store failed: " + e.getMessage());
        }
    }

    /** Each statement is prepared once and reused until a failure drops it: the store's SQL is a fixed set of strings. */
    private PreparedStatement prepare(Connection connection, String sql, Object... parameters) throws SQLException {
        PreparedStatement statement = statements.get(sql);
        if (statement == null) {
            statement = connection.prepareStatement(sql);
            statements.put(sql, statement);
        }
        statement.clearParameters();
        for (int i = 0; i < parameters.length; i++) {
            if (parameters[i] == null) {
                statement.setNull(i + 1, Types.NULL); // untyped: PostgreSQL refuses a VARCHAR null for a BIGINT column
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

    static Instant instant(ResultSet row, String column) throws SQLException {
        long value = row.getLong(column);
        return row.wasNull() ? null : Instant.ofEpochMilli(value);
    }

}
