package io.noctua.store;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.noctua.api.WorkGroupState;
import io.noctua.workgroup.WorkGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store's faults and how it heals from them, on real SQLite files. Faults come from SQLite itself
 * ({@code PRAGMA max_page_count} makes a write that grows the file fail with SQLITE_FULL, exactly as a
 * full disk does) or from {@link FaultyConnector}, a hand-written JDBC wrapper for what SQLite cannot
 * be made to do on demand: a failing commit, an I/O error.
 */
class DatabaseTest {
    private static final String INSERT = "INSERT INTO work_groups (name, state, description, configuration, creation_time) VALUES (?, 'ENABLED', ?, '{}', 0)";
    private static final String BIG = "x".repeat(200_000);

    @TempDir
    Path directory;

    private final List<Database> opened = new ArrayList<>();

    @AfterEach
    void closeDatabases() {
        opened.forEach(Database::close);
    }

    private Path file() {
        return directory.resolve("noctua.db");
    }

    private String url() {
        return "jdbc:sqlite:" + file();
    }

    private Database open(Database.Connector connector) {
        Database database = Database.open(url(), connector);
        opened.add(database);
        return database;
    }

    private static WorkGroup workGroup(String name, String description) {
        return new WorkGroup(name, WorkGroupState.ENABLED, description, JsonNodeFactory.instance.objectNode(), Instant.ofEpochMilli(1));
    }

    private static Optional<String> description(Database database, String name) {
        return new JdbcWorkGroupStore(database).get(name).map(WorkGroup::description);
    }

    /** What a second, independent connection finds in the file: what was committed, and nothing else. */
    private List<String> committedNames() throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection connection = DriverManager.getConnection(url());
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT name FROM work_groups ORDER BY name")) {
            while (rows.next()) {
                names.add(rows.getString(1));
            }
        }
        return names;
    }

    @Test
    void aFullDiskFailsEachWriteWithItsCauseAndTheFirstWriteAfterItSucceeds() throws SQLException {
        FaultyConnector connector = new FaultyConnector();
        Database database = open(connector);
        JdbcWorkGroupStore store = new JdbcWorkGroupStore(database);
        assertTrue(store.insert(workGroup("before", "acknowledged")));

        connector.diskFull(true);
        String full = "the store could not write: the disk is full (SQLITE_FULL) at " + file();
        // twice: the second write used to fail with "statement is not executing", for ever
        for (int attempt = 0; attempt < 2; attempt++) {
            assertEquals(full, assertThrows(StoreException.class, () -> store.update(workGroup("before", BIG))).getMessage());
            assertEquals(full, assertThrows(StoreException.class, () -> store.insert(workGroup("during", BIG))).getMessage());
            // reads go on while the disk is full
            assertEquals(Optional.of("acknowledged"), description(database, "before"));
        }

        connector.diskFull(false);
        store.update(workGroup("before", BIG));
        assertTrue(store.insert(workGroup("after", "written once there was room")));
        assertEquals(Optional.of(BIG), description(database, "before"));
        assertEquals(List.of("after", "before"), committedNames());
    }

    @Test
    void aStatementFailingInATransactionLeavesNothingOfItAndTheNextTransactionWorks() throws SQLException {
        FaultyConnector connector = new FaultyConnector();
        Database database = open(connector);
        database.execute(INSERT, "before", "acknowledged");

        connector.diskFull(true);
        List<Integer> written = new ArrayList<>();
        StoreException failure = assertThrows(StoreException.class, () -> database.inTransaction(() -> {
            written.add(database.execute(INSERT, "first", "small"));
            written.add(database.execute(INSERT, "second", BIG));
            return null;
        }));
        assertEquals(List.of(1), written, "the first statement of the transaction was written, then the second failed");
        assertEquals("the store could not write: the disk is full (SQLITE_FULL) at " + file(), failure.getMessage());
        assertEquals(Optional.empty(), description(database, "first"));
        assertEquals(List.of("before"), committedNames());

        connector.diskFull(false);
        database.inTransaction(() -> {
            database.execute(INSERT, "first", "small");
            return database.execute(INSERT, "second", BIG);
        });
        assertEquals(List.of("before", "first", "second"), committedNames());
    }

    @Test
    void aTransactionThatGoesOnAfterAFailedStatementKeepsNothing() throws SQLException {
        FaultyConnector connector = new FaultyConnector();
        Database database = open(connector);
        connector.diskFull(true);
        StoreException failure = assertThrows(StoreException.class, () -> database.inTransaction(() -> {
            database.execute(INSERT, "first", "small");
            try {
                database.execute(INSERT, "second", BIG);
            }
            catch (StoreException ignored) {
                // a careless caller goes on
            }
            return database.execute(INSERT, "third", "small");
        }));
        assertTrue(failure.getMessage().contains("the disk is full (SQLITE_FULL)"), failure.getMessage());
        assertEquals(List.of(), committedNames());

        connector.diskFull(false);
        database.execute(INSERT, "later", "small");
        assertEquals(List.of("later"), committedNames());
    }

    @Test
    void aFailedCommitLeavesNothingAndTheNextCommitWorks() throws SQLException {
        FaultyConnector connector = new FaultyConnector();
        Database database = open(connector);
        database.execute(INSERT, "before", "acknowledged");

        connector.failNextCommit();
        StoreException failure = assertThrows(StoreException.class, () -> database.inTransaction(() -> {
            database.execute(INSERT, "first", "small");
            return database.execute(INSERT, "second", "small");
        }));
        assertEquals("the store could not write: the disk is full (SQLITE_FULL) at " + file(), failure.getMessage());
        assertEquals(List.of("before"), committedNames());
        assertEquals(Optional.empty(), description(database, "first"));

        database.inTransaction(() -> database.execute(INSERT, "first", "small"));
        database.execute(INSERT, "second", "small");
        assertEquals(List.of("before", "first", "second"), committedNames());
    }

    @Test
    void aConnectionBrokenByAnIoErrorIsReplacedOnceTheStoreIsBack() throws SQLException {
        FaultyConnector connector = new FaultyConnector();
        Database database = open(connector);
        JdbcWorkGroupStore store = new JdbcWorkGroupStore(database);
        store.insert(workGroup("before", "acknowledged"));
        int openedBefore = connector.opened();

        connector.ioErrors(true);
        assertEquals("the store could not read: the disk reported an I/O error (SQLITE_IOERR_READ) at " + file(),
                assertThrows(StoreException.class, () -> store.get("before")).getMessage());
        assertEquals("the store could not write: it cannot be reopened: the disk reported an I/O error (SQLITE_IOERR_READ) at " + file(),
                assertThrows(StoreException.class, () -> store.update(workGroup("before", "changed"))).getMessage());

        connector.ioErrors(false);
        assertEquals(Optional.of("acknowledged"), description(database, "before"));
        store.update(workGroup("before", "changed"));
        assertEquals(Optional.of("changed"), description(database, "before"));
        assertEquals(openedBefore + 1, connector.opened(), "one new connection, opened by the first call after the fault");
    }

    @Test
    void aMissingFileStartsAFreshStoreAndALeftoverOfAnInterruptedCreationIsReplaced() throws Exception {
        Files.writeString(directory.resolve("noctua.db.creating"), "half-made", StandardCharsets.UTF_8);
        Database database = open(DriverManager::getConnection);
        assertEquals(List.of(), new JdbcWorkGroupStore(database).list(null, 10));
        database.execute(INSERT, "kept", "over a restart");
        database.close();

        assertFalse(Files.exists(directory.resolve("noctua.db.creating")));
        assertEquals(Optional.of("over a restart"), description(open(DriverManager::getConnection), "kept"));
    }

    @Test
    void aMissingFileWithAWriteAheadLogLeftBesideItIsRefused() throws Exception {
        Database database = open(DriverManager::getConnection);
        database.execute(INSERT, "only in the log", "not yet checkpointed");
        Path wal = directory.resolve("noctua.db-wal");
        Path saved = directory.resolve("saved-wal");
        Files.copy(wal, saved);
        database.close();
        Files.delete(file());
        Files.move(saved, wal, java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        StoreException refused = assertThrows(StoreException.class, () -> open(DriverManager::getConnection));
        assertEquals("Noctua does not start on the store at " + file() + ": the file is missing, but noctua.db-wal beside it ("
                + Files.size(wal) + " bytes) holds changes of a store that was there. Restore the file from a backup; to begin a new, "
                + "empty store, move noctua.db-wal away too and start again.", refused.getMessage());
        assertFalse(Files.exists(file()));
    }

    @Test
    void anEmptyFileIsRefusedAndLeftAsItIs() throws Exception {
        Files.createFile(file());
        Path wal = directory.resolve("noctua.db-wal");
        Files.write(wal, new byte[4096]); // SQLite deletes this when it opens an empty database file
        StoreException refused = assertThrows(StoreException.class, () -> open(DriverManager::getConnection));
        assertEquals("Noctua does not start on the store at " + file() + ": the file is empty (0 bytes); the file noctua.db-wal beside it "
                + "(4096 bytes) was left untouched. If it should hold Noctua's sessions and calculations, restore it from a backup; to begin "
                + "a new, empty store, move the file away (or point store.url at another path) and start again.", refused.getMessage());
        assertEquals(0, Files.size(file()));
        assertEquals(4096, Files.size(wal));
    }

    @Test
    void aSqliteFileOfAnotherProgramIsRefusedAndLeftAsItIs() throws Exception {
        try (Connection connection = DriverManager.getConnection(url()); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)");
            statement.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY)");
        }
        byte[] before = Files.readAllBytes(file());
        StoreException refused = assertThrows(StoreException.class, () -> open(DriverManager::getConnection));
        assertTrue(refused.getMessage().startsWith("Noctua does not start on the store at " + file() + ": the file is a SQLite database "
                + "with other tables (customers, orders) and none of Noctua's. If it should hold Noctua's sessions and calculations, "
                + "restore it from a backup;"), refused.getMessage());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(file())), "the refused file is not changed");
    }

    @Test
    void aSqliteFileWithoutTablesIsRefused() throws Exception {
        try (Connection connection = DriverManager.getConnection(url()); Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA user_version=7"); // writes the header: a valid database with no tables
        }
        assertTrue(Files.size(file()) > 0);
        StoreException refused = assertThrows(StoreException.class, () -> open(DriverManager::getConnection));
        assertTrue(refused.getMessage().contains(": the file is a SQLite database without any tables. If it should hold"), refused.getMessage());
    }

    @Test
    void aFileThatIsNotADatabaseIsRefused() throws Exception {
        Files.writeString(file(), "these are my notes, not a database\n".repeat(200), StandardCharsets.UTF_8);
        StoreException refused = assertThrows(StoreException.class, () -> open(DriverManager::getConnection));
        assertEquals("the store could not be opened: the file is not a SQLite database (SQLITE_NOTADB) at " + file(), refused.getMessage());
    }

    @Test
    void aStoreThatLostOneOfItsTablesIsRefused() throws Exception {
        open(DriverManager::getConnection).close();
        try (Connection connection = DriverManager.getConnection(url()); Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE calculations");
        }
        StoreException refused = assertThrows(StoreException.class, () -> open(DriverManager::getConnection));
        assertEquals("Noctua does not start on the store at " + file() + ": it records schema version "
                + Migrations.steps(SqlDialect.SQLITE).size() + " but lacks the tables calculations, "
                + "so it was changed outside Noctua. Restore it from a backup, or move it away to begin a new, empty store.", refused.getMessage());
    }

    @Test
    void aStoreOfTheFirstSchemaGainsTheQueryTablesAndKeepsItsRows() throws Exception {
        open(DriverManager::getConnection).close();
        try (Connection connection = DriverManager.getConnection(url()); Statement statement = connection.createStatement()) {
            // back to what the first release wrote: schema version 1, none of the SQL API's tables
            statement.execute("DROP TABLE query_executions");
            statement.execute("DROP TABLE named_queries");
            statement.execute("DROP TABLE prepared_statements");
            statement.execute("DROP TABLE servers");
            statement.execute("DROP TABLE cluster_secret");
            statement.execute("DROP TABLE tags");
            statement.execute("DROP TABLE capacity_reservations");
            statement.execute("DROP TABLE capacity_assignments");
            statement.execute("DROP TABLE data_catalogs");
            statement.execute("DROP TABLE notebooks");
            statement.execute("DROP TABLE calculation_spark_jobs");
            statement.execute("DROP INDEX sessions_by_server");
            statement.execute("ALTER TABLE sessions DROP COLUMN server_id");
            statement.execute("ALTER TABLE sessions DROP COLUMN monitoring_configuration");
            statement.execute("DELETE FROM schema_version WHERE version >= 2");
            statement.execute("INSERT INTO work_groups (name, state, configuration, creation_time) VALUES ('kept', 'ENABLED', '{}', 1)");
        }
        open(DriverManager::getConnection).close();
        try (Connection connection = DriverManager.getConnection(url()); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT (SELECT MAX(version) FROM schema_version), "
                     + "(SELECT count(*) FROM work_groups WHERE name = 'kept'), (SELECT count(*) FROM query_executions)")) {
            assertTrue(rows.next());
            assertEquals(Migrations.steps(SqlDialect.SQLITE).size(), rows.getInt(1));
            assertEquals(1, rows.getInt(2));
            assertEquals(0, rows.getInt(3));
        }
    }

    /**
     * Real SQLite connections, wrapped so that faults can be switched on: a full disk (SQLite's own
     * SQLITE_FULL, through {@code max_page_count}), a failing commit, I/O errors on every call and on
     * every new connection.
     */
    private static final class FaultyConnector implements Database.Connector {
        private final List<Connection> connections = new ArrayList<>();
        private boolean diskFull;
        private boolean ioErrors;
        private boolean failNextCommit;

        @Override
        public Connection connect(String jdbcUrl) throws SQLException {
            if (ioErrors) {
                throw ioError();
            }
            Connection real = DriverManager.getConnection(jdbcUrl);
            if (diskFull) {
                limitPages(real, true);
            }
            connections.add(real);
            return wrap(Connection.class, real);
        }

        int opened() {
            return connections.size();
        }

        void diskFull(boolean on) throws SQLException {
            diskFull = on;
            for (Connection connection : connections) {
                if (!connection.isClosed()) {
                    limitPages(connection, on);
                }
            }
        }

        void ioErrors(boolean on) {
            ioErrors = on;
        }

        void failNextCommit() {
            failNextCommit = true;
        }

        /** The file may not grow beyond its pages now: a write that needs a new page fails as on a full disk. */
        private static void limitPages(Connection connection, boolean on) throws SQLException {
            try (Statement statement = connection.createStatement()) {
                long pages = 1_073_741_823;
                if (on) {
                    try (ResultSet rows = statement.executeQuery("PRAGMA page_count")) {
                        rows.next();
                        pages = rows.getLong(1);
                    }
                }
                statement.execute("PRAGMA max_page_count=" + pages);
            }
        }

        private static SQLException ioError() {
            return new SQLiteException("[SQLITE_IOERR_READ] disk I/O error", SQLiteErrorCode.SQLITE_IOERR_READ);
        }

        private <T> T wrap(Class<T> type, Object real) {
            InvocationHandler handler = (proxy, method, arguments) -> {
                String name = method.getName();
                if (ioErrors && !name.equals("close") && !name.equals("isClosed")) {
                    throw ioError();
                }
                if (failNextCommit && name.equals("commit")) {
                    failNextCommit = false;
                    throw new SQLiteException("[SQLITE_FULL] database or disk is full", SQLiteErrorCode.SQLITE_FULL);
                }
                Object result;
                try {
                    result = method.invoke(real, arguments);
                }
                catch (InvocationTargetException e) {
                    throw e.getCause();
                }
                if (result instanceof PreparedStatement statement) {
                    return wrap(PreparedStatement.class, statement);
                }
                if (result instanceof Statement statement) {
                    return wrap(Statement.class, statement);
                }
                return result;
            };
            return type.cast(Proxy.newProxyInstance(DatabaseTest.class.getClassLoader(), new Class<?>[] {type}, handler));
        }
    }
}
