package io.noctua.store;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.noctua.api.QueryExecutionState;
import io.noctua.api.WorkGroupState;
import io.noctua.engine.QueryEngine.ResultColumn;
import io.noctua.query.NamedQuery;
import io.noctua.query.PreparedStatement;
import io.noctua.query.QueryExecution;
import io.noctua.query.StatementKind;
import io.noctua.session.SessionStore;
import io.noctua.testing.TestingPostgres;
import io.noctua.workgroup.WorkGroup;
import io.noctua.workgroup.WorkGroupStore.Deletion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The store on a real PostgreSQL server ({@link TestingPostgres}), a fresh database per test: the
 * same migrations as on SQLite, every store's statements (nulls of every column type, upserts,
 * compare-and-set updates, unique tokens, paging in byte order), transactions that fail part-way,
 * and the refusals and connection failures a start can meet.
 */
class PostgresStoreTest {
    private static final Instant T = Instant.ofEpochMilli(1_700_000_000_123L);

    private final List<Database> opened = new ArrayList<>();
    private String url;

    @BeforeAll
    static void postgres() {
        String missing = TestingPostgres.missing();
        assumeTrue(missing == null, missing);
    }

    @AfterEach
    void closeDatabases() {
        opened.forEach(Database::close);
    }

    private Database open() {
        if (url == null) {
            url = TestingPostgres.shared().newDatabase();
        }
        Database database = Database.open(url, TestingPostgres.USER, TestingPostgres.PASSWORD);
        opened.add(database);
        return database;
    }

    private static WorkGroup workGroup(String name, String description) {
        return new WorkGroup(name, WorkGroupState.ENABLED, description, JsonNodeFactory.instance.objectNode().put("k", "v"), T);
    }

    private static NamedQuery named(String id, String token) {
        return new NamedQuery(id, "name-" + id, null, "default", "SELECT 1", "primary", token, token == null ? null : "fp", T);
    }

    private static QueryExecution query(String id, String token) {
        return new QueryExecution(new QueryExecution.Submission(id, "SELECT 1", "SELECT 1", new StatementKind("DML", "SELECT"), "primary",
                null, null, "s3://out/" + id + ".csv", null, null, null, token, null, T), QueryExecution.Status.queued());
    }

    /** Servers started together on one empty database: each opens the store at once, none fails on another's half-made tables. */
    @Test
    void storesOpenedAtOnceOnAnEmptyDatabaseAllStart() throws Exception {
        for (int round = 0; round < 3; round++) {
            url = TestingPostgres.shared().newDatabase();
            java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                List<java.util.concurrent.Future<Database>> openings = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    openings.add(threads.submit(() -> Database.open(url, TestingPostgres.USER, TestingPostgres.PASSWORD)));
                }
                for (java.util.concurrent.Future<Database> opening : openings) {
                    opened.add(opening.get());
                }
            }
            finally {
                threads.shutdownNow();
            }
            new JdbcWorkGroupStore(opened.get(0)).insert(workGroup("made-" + round, "by one, seen by all"));
            assertEquals("by one, seen by all", new JdbcWorkGroupStore(opened.get(3)).get("made-" + round).orElseThrow().description());
        }
    }

    @Test
    void twoServersCreatingOneWorkGroupAtOnceGetOneRowAndNoError() {
        JdbcWorkGroupStore first = new JdbcWorkGroupStore(open());
        JdbcWorkGroupStore second = new JdbcWorkGroupStore(open());
        exactlyOneOfTwoAtOnce(round -> () -> first.insert(workGroup("both-" + round, "made twice at once")),
                round -> () -> second.insert(workGroup("both-" + round, "made twice at once")));
    }

    /** A client that retries StartSession through another server while the first call runs: one session, and no store error. */
    @Test
    void twoServersStoringSessionsWithOneTokenAtOnceStoreOneAndNoError() {
        JdbcSessionStore first = new JdbcSessionStore(open(), "server-1");
        JdbcSessionStore second = new JdbcSessionStore(open(), "server-2");
        exactlyOneOfTwoAtOnce(round -> () -> first.write(SessionStore.Change.newSession(TestSessions.creating("one-" + round, "token-" + round))),
                round -> () -> second.write(SessionStore.Change.newSession(TestSessions.creating("two-" + round, "token-" + round))));
        assertEquals(20, first.sessions("spark", null, null, 100).items().size());
    }

    @Test
    void twoServersStoringQueriesWithOneTokenAtOnceStoreOneAndNoError() {
        JdbcQueryStore first = new JdbcQueryStore(open(), "server-1");
        JdbcQueryStore second = new JdbcQueryStore(open(), "server-2");
        exactlyOneOfTwoAtOnce(round -> () -> first.insert(query("one-" + round, "token-" + round)),
                round -> () -> second.insert(query("two-" + round, "token-" + round)));
    }

    /** Runs each round's two calls at the same moment, 20 rounds: exactly one of each pair answers true, and neither throws. */
    private static void exactlyOneOfTwoAtOnce(java.util.function.IntFunction<java.util.concurrent.Callable<Boolean>> one,
                                              java.util.function.IntFunction<java.util.concurrent.Callable<Boolean>> two) {
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 20; round++) {
                java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
                java.util.concurrent.Callable<Boolean> first = one.apply(round);
                java.util.concurrent.Callable<Boolean> second = two.apply(round);
                java.util.concurrent.Future<Boolean> a = threads.submit(() -> {
                    together.await();
                    return first.call();
                });
                java.util.concurrent.Future<Boolean> b = threads.submit(() -> {
                    together.await();
                    return second.call();
                });
                assertTrue(a.get() ^ b.get(), "round " + round + ": exactly one of the two stored its row");
            }
        }
        catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new AssertionError(e);
        }
        finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aFreshDatabaseGetsTheSchemaAndKeepsRowsOverAReopen() throws Exception {
        Database first = open();
        new JdbcWorkGroupStore(first).insert(workGroup("kept", "over a reopen"));
        first.close();
        assertEquals(Optional.of("over a reopen"), new JdbcWorkGroupStore(open()).get("kept").map(WorkGroup::description));
        try (Connection connection = connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT MAX(version) FROM schema_version")) {
            assertTrue(rows.next());
            assertEquals(Migrations.steps(SqlDialect.POSTGRESQL).size(), rows.getInt(1));
        }
    }

    @Test
    void workGroupsArePagedInByteOrderAndDeletedWithWhatIsInThem() {
        Database database = open();
        JdbcWorkGroupStore store = new JdbcWorkGroupStore(database);
        for (String name : List.of("b", "B", "a", "A", "_x")) {
            assertTrue(store.insert(workGroup(name, null)));
        }
        assertFalse(store.insert(workGroup("a", "again")));
        assertEquals(List.of("A", "B", "_x"), store.list(null, 3).stream().map(WorkGroup::name).toList());
        assertEquals(List.of("a", "b"), store.list("_x", 3).stream().map(WorkGroup::name).toList());
        store.update(workGroup("a", "changed"));
        WorkGroup read = store.get("a").orElseThrow();
        assertEquals("changed", read.description());
        assertEquals("v", read.configuration().get("k").asText());
        assertEquals(T, read.creationTime());

        JdbcSavedQueryStore saved = new JdbcSavedQueryStore(database);
        saved.insert(new NamedQuery("n1", "n", null, "default", "SELECT 1", "a", null, null, T));
        assertEquals(Deletion.NOT_EMPTY, store.delete("a", false));
        assertEquals(Deletion.DELETED, store.delete("a", true));
        assertEquals(Optional.empty(), saved.namedQuery("n1"));
        assertEquals(Deletion.NOT_FOUND, store.delete("a", true));
    }

    @Test
    void namedQueriesKeepTheirTokensUniqueAndPageNewestFirst() {
        JdbcSavedQueryStore store = new JdbcSavedQueryStore(open());
        assertTrue(store.insert(named("q1", "token-1")));
        assertFalse(store.insert(named("q1-again", "token-1")), "a second insert with a stored token is not an error");
        assertTrue(store.insert(named("q2", null)));
        assertTrue(store.insert(named("q3", null)));
        assertEquals(Optional.of("q1"), store.namedQueryByToken("token-1").map(NamedQuery::namedQueryId));
        var page = store.namedQueryIds("primary", null, 2);
        assertEquals(List.of("q3", "q2"), page.items());
        assertEquals(List.of("q1"), store.namedQueryIds("primary", page.nextCursor().orElseThrow(), 2).items());
        assertTrue(store.update("q2", "renamed", "about it", "SELECT 2"));
        NamedQuery q2 = store.namedQuery("q2").orElseThrow();
        assertEquals(List.of("renamed", "about it", "SELECT 2", T), List.of(q2.name(), q2.description(), q2.queryString(), q2.creationTime()));
        assertTrue(store.deleteNamedQuery("q2"));
        assertFalse(store.deleteNamedQuery("q2"));
    }

    @Test
    void preparedStatementsAreInsertedOnceUpdatedAndListedByName() {
        JdbcSavedQueryStore store = new JdbcSavedQueryStore(open());
        assertTrue(store.insert(new PreparedStatement("primary", "b", "SELECT ?", null, T)));
        assertFalse(store.insert(new PreparedStatement("primary", "b", "SELECT 2", null, T)), "the name is taken");
        assertTrue(store.insert(new PreparedStatement("primary", "a", "SELECT 1", "first", T)));
        assertTrue(store.insert(new PreparedStatement("other", "a", "SELECT 1", null, T)));
        assertEquals("SELECT ?", store.preparedStatement("primary", "b").orElseThrow().queryStatement());
        assertTrue(store.update(new PreparedStatement("primary", "b", "SELECT 3", "now", T.plusSeconds(1))));
        assertEquals(List.of("a", "b"), store.preparedStatements("primary", null, 10).stream().map(PreparedStatement::statementName).toList());
        assertEquals(List.of("b"), store.preparedStatements("primary", "a", 10).stream().map(PreparedStatement::statementName).toList());
        assertEquals(T.plusSeconds(1), store.preparedStatement("primary", "b").orElseThrow().lastModifiedTime());
        assertTrue(store.deletePreparedStatement("primary", "b"));
        assertFalse(store.deletePreparedStatement("primary", "b"));
    }

    @Test
    void queryExecutionsStoreNullsAndErrorsAndChangeOnlyFromTheStateTheyWereIn() {
        JdbcQueryStore store = new JdbcQueryStore(open(), "server-a");
        QueryExecution queued = query("e1", "token-1");
        assertTrue(store.insert(queued));
        assertFalse(store.insert(query("e1-again", "token-1")));
        assertTrue(store.insert(query("e2", null)));
        assertEquals(queued, store.get("e1").orElseThrow());
        assertEquals(List.of("e1", "e2"), store.unfinished("server-a").stream().map(QueryExecution::queryExecutionId).toList());

        QueryExecution.Status running = queued.status().running(T.plusSeconds(1));
        assertTrue(store.update("e1", QueryExecutionState.QUEUED, running));
        assertFalse(store.update("e1", QueryExecutionState.QUEUED, running), "the state moved on");
        QueryExecution.Status done = running.succeeded(T.plusSeconds(2), 10, 3, 2,
                List.of(new ResultColumn("x", "integer", 10, 0, false)));
        assertTrue(store.update("e1", QueryExecutionState.RUNNING, done));
        assertEquals(done, store.get("e1").orElseThrow().status());
        QueryExecution.Status failed = QueryExecution.Status.queued().running(T).failed(T.plusSeconds(3), QueryExecution.Error.system(401, "lost"));
        assertTrue(store.update("e2", QueryExecutionState.QUEUED, failed));
        assertEquals(failed, store.get("e2").orElseThrow().status());
        assertEquals(List.of(), store.unfinished("server-a"));
        assertEquals(List.of("e2", "e1"), store.ids("primary", null, 10).items());
    }

    @Test
    void aTransactionWithAFailedStatementKeepsNothingAndTheNextOneWorks() {
        Database database = open();
        String insert = "INSERT INTO work_groups (name, state, description, configuration, creation_time) VALUES (?, 'ENABLED', ?, '{}', 0)";
        database.execute(insert, "before", "acknowledged");
        StoreException failure = assertThrows(StoreException.class, () -> database.inTransaction(() -> {
            database.execute(insert, "first", "x");
            try {
                database.execute(insert, "before", "a duplicate key");
            }
            catch (StoreException ignored) {
                // a careless caller goes on
            }
            return database.execute(insert, "third", "x");
        }));
        assertTrue(failure.getMessage().startsWith("the store could not write: a row with the same key is already stored: "),
                failure.getMessage());
        assertTrue(failure.getMessage().endsWith("(SQLState 23505) at " + url), failure.getMessage());
        JdbcWorkGroupStore store = new JdbcWorkGroupStore(database);
        assertEquals(List.of("before"), store.list(null, 10).stream().map(WorkGroup::name).toList());
        database.inTransaction(() -> database.execute(insert, "after", "x"));
        assertEquals(List.of("after", "before"), store.list(null, 10).stream().map(WorkGroup::name).toList());
    }

    @Test
    void aDatabaseOfAnotherProgramOrWithATableLostIsRefused() throws Exception {
        url = TestingPostgres.shared().newDatabase();
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)");
        }
        assertEquals("Noctua does not start on the store at " + url + ": the database has tables (invoices) but no schema_version, so it "
                + "is not a Noctua store. Point store.url at an empty database, where Noctua creates its tables, or at one that Noctua "
                + "created.", assertThrows(StoreException.class, this::open).getMessage());

        url = TestingPostgres.shared().newDatabase();
        open().close();
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE calculations");
        }
        assertEquals("Noctua does not start on the store at " + url + ": it records schema version "
                + Migrations.steps(SqlDialect.POSTGRESQL).size() + " but lacks the tables calculations, "
                + "so it was changed outside Noctua. Restore it from a backup, or move it away to begin a new, empty store.",
                assertThrows(StoreException.class, this::open).getMessage());
    }

    @Test
    void aStoreOfTheFirstSchemaGainsTheQueryTables() throws Exception {
        open().close();
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
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
        }
        JdbcQueryStore store = new JdbcQueryStore(open(), "server-a");
        assertTrue(store.insert(query("e1", null)));
        assertEquals(1, store.unfinished("server-a").size());
    }

    @Test
    void aWrongPasswordAMissingDatabaseAndAnUnreachableServerAreNamedWithoutThePassword() throws Exception {
        TestingPostgres postgres = TestingPostgres.shared();
        String wrong = assertThrows(StoreException.class,
                () -> Database.open(postgres.url("postgres"), TestingPostgres.USER, "not-the-password")).getMessage();
        assertTrue(wrong.startsWith("the store could not be opened: the database server refused the user name or password "
                + "(store.user, store.password): "), wrong);
        assertTrue(wrong.endsWith(" at " + postgres.url("postgres")), wrong);
        assertFalse(wrong.contains("not-the-password"), wrong);

        String missing = assertThrows(StoreException.class,
                () -> Database.open(postgres.url("no_such_database"), TestingPostgres.USER, TestingPostgres.PASSWORD)).getMessage();
        assertTrue(missing.startsWith("the store could not be opened: the database does not exist on the server"), missing);
        assertTrue(missing.contains("\"no_such_database\""), missing);

        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        String inUrl = "jdbc:postgresql://127.0.0.1:" + closedPort + "/noctua?user=noctua&password=in-the-url";
        String unreachable = assertThrows(StoreException.class, () -> Database.open(inUrl, "", "")).getMessage();
        assertTrue(unreachable.startsWith("the store could not be opened: the connection to the database server failed: "), unreachable);
        assertTrue(unreachable.contains("127.0.0.1:" + closedPort), unreachable);
        assertTrue(unreachable.endsWith(" at jdbc:postgresql://127.0.0.1:" + closedPort + "/noctua"), unreachable);
        assertFalse(unreachable.contains("in-the-url"), unreachable);
    }

    private Connection connect() throws Exception {
        return TestingPostgres.shared().connect(url.substring(url.lastIndexOf('/') + 1));
    }
}
