package io.noctua;

import io.noctua.testing.Athena;
import io.noctua.testing.ServerProcess;
import io.noctua.testing.TestingPostgres;
import io.noctua.testing.TestingS3;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.Datum;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;
import software.amazon.awssdk.services.athena.model.Row;

import java.net.ServerSocket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Two server processes on one PostgreSQL store, one PostgreSQL metastore and one S3 store: started together on
 * empty databases (both create the schema at once), a table made through one is read through the
 * other. And a metastore database that is missing or unreachable stops the start with one line
 * naming it, without the password.
 */
class SharedPostgresCatalogTest {
    private static final String SECRET = TestingPostgres.PASSWORD;

    @BeforeAll
    static void postgres() {
        String missing = TestingPostgres.missing();
        assumeTrue(missing == null, missing);
    }

    private static Map<String, String> databases(String store, String metastore) {
        return Map.of("store.url", store, "store.user", TestingPostgres.USER, "store.password", SECRET,
                "metastore.url", metastore, "metastore.user", TestingPostgres.USER, "metastore.password", SECRET);
    }

    @Test
    void aTableMadeThroughOneServerIsReadThroughTheOther() throws Exception {
        TestingPostgres postgres = TestingPostgres.shared();
        Map<String, String> shared = new HashMap<>(databases(postgres.newDatabase(), postgres.newDatabase()));
        // and one S3 store, where the SQL API's CREATE TABLE AS writes the table's files
        shared.putAll(TestingS3.shared().serverSettings());
        // started together on empty databases: both make the store's and the catalog's tables at once
        try (ServerProcess first = ServerProcess.start(TestingServer.temporaryDirectory("noctua-shared-1-"), shared);
             ServerProcess second = ServerProcess.start(TestingServer.temporaryDirectory("noctua-shared-2-"), shared);
             AthenaClient one = first.client();
             AthenaClient two = second.client()) {
            String sessionOne = first.startIdleSession(one);
            String sessionTwo = second.startIdleSession(two);
            for (String sql : List.of(
                    "CREATE DATABASE shared_pg",
                    "CREATE TABLE shared_pg.orders USING parquet AS SELECT id, id * 10 AS amount FROM range(4)")) {
                GetCalculationExecutionResponse done = Athena.run(one, sessionOne, "%%sql\n" + sql);
                assertEquals(CalculationExecutionState.COMPLETED, done.status().state(), sql + ": " + done.status().stateChangeReason());
            }

            // through the other server: the SQL API, a calculation and the data catalog API
            String queryId = Athena.querySucceeded(two, "SELECT sum(amount) AS total FROM shared_pg.orders").queryExecutionId();
            List<Row> rows = two.getQueryResults(r -> r.queryExecutionId(queryId)).resultSet().rows();
            assertEquals(List.of("60"), rows.get(1).data().stream().map(Datum::varCharValue).toList());
            GetCalculationExecutionResponse counted = Athena.run(two, sessionTwo, "%%sql\nSELECT count(*) AS n FROM shared_pg.orders");
            assertEquals(CalculationExecutionState.COMPLETED, counted.status().state(), counted.status().stateChangeReason());
            assertEquals(List.of("id", "amount"), two.getTableMetadata(r -> r.catalogName("AwsDataCatalog").databaseName("shared_pg")
                    .tableName("orders")).tableMetadata().columns().stream().map(c -> c.name()).toList());

            // and back: a table the second server makes, the first one reads
            Athena.querySucceeded(two, "CREATE TABLE shared_pg.returns AS SELECT 2 AS id");
            assertEquals(List.of("2"), one.getQueryResults(r -> r.queryExecutionId(
                    Athena.querySucceeded(one, "SELECT id FROM shared_pg.returns").queryExecutionId())).resultSet().rows().get(1).data()
                    .stream().map(Datum::varCharValue).toList());

            first.stop();
            second.stop();
            for (ServerProcess server : List.of(first, second)) {
                assertFalse(server.log().contains(SECRET), "the password is printed:\n" + server.log());
            }
        }
    }

    @Test
    void aMissingMetastoreDatabaseFailsTheStartInOneLineNamingIt() {
        TestingPostgres postgres = TestingPostgres.shared();
        String missing = postgres.url("no_such_metastore");
        ServerProcess server = ServerProcess.start(TestingServer.temporaryDirectory("noctua-no-metastore-"),
                databases(postgres.newDatabase(), missing));
        assertEquals(1, server.exitCode(), server.log());
        assertEquals("noctua serve: the catalog's database (metastore.url) could not be reached: the database does not exist on the "
                + "server (create it empty, e.g. with createdb): FATAL: database \"no_such_metastore\" does not exist (SQLState 3D000) at "
                + missing, refusal(server.log()));
    }

    @Test
    void anUnreachableMetastoreOrStoreFailsTheStartInOneLineNamingIt() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort(); // closed again: nothing listens there
        }
        String nowhere = "jdbc:postgresql://127.0.0.1:" + port + "/noctua";
        TestingPostgres postgres = TestingPostgres.shared();

        ServerProcess noMetastore = ServerProcess.start(TestingServer.temporaryDirectory("noctua-unreachable-metastore-"),
                databases(postgres.newDatabase(), nowhere));
        assertEquals(1, noMetastore.exitCode(), noMetastore.log());
        String line = refusal(noMetastore.log());
        assertTrue(line.startsWith("noctua serve: the catalog's database (metastore.url) could not be reached: the connection to the "
                + "database server failed: "), line);
        assertTrue(line.endsWith(" at " + nowhere), line);

        ServerProcess noStore = ServerProcess.start(TestingServer.temporaryDirectory("noctua-unreachable-store-"),
                databases(nowhere, postgres.newDatabase()));
        assertEquals(1, noStore.exitCode(), noStore.log());
        line = refusal(noStore.log());
        assertTrue(line.startsWith("noctua serve: the store could not be opened: the connection to the database server failed: "), line);
        assertTrue(line.endsWith(" at " + nowhere), line);
    }

    /** The one line saying why the server did not start; the log has no stack trace and no password. */
    private static String refusal(String log) {
        assertFalse(log.contains(SECRET), log);
        assertFalse(log.contains("\tat "), "a stack trace:\n" + log);
        List<String> lines = log.lines().filter(line -> line.startsWith("noctua serve: ")).toList();
        assertEquals(1, lines.size(), log);
        return lines.get(0);
    }
}
