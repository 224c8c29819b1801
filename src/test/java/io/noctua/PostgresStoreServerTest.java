package io.noctua;

import io.noctua.testing.Athena;
import io.noctua.testing.TestingPostgres;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.Datum;
import software.amazon.awssdk.services.athena.model.NamedQuery;
import software.amazon.awssdk.services.athena.model.QueryExecutionState;
import software.amazon.awssdk.services.athena.model.SessionState;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A whole server on a PostgreSQL store ({@link TestingPostgres}): a session, a {@code %%sql}
 * calculation, a query of the SQL API and a named query, all seen again by a server restarted on the
 * same database (the data directory is a new one: nothing comes from a file); and the start refused,
 * with the server's address and without the password, when PostgreSQL cannot be reached.
 */
class PostgresStoreServerTest {
    @BeforeAll
    static void postgres() {
        String missing = TestingPostgres.missing();
        assumeTrue(missing == null, missing);
    }

    private static Map<String, String> store(String url) {
        return Map.of("store.url", url, "store.user", TestingPostgres.USER, "store.password", TestingPostgres.PASSWORD);
    }

    @Test
    void aServerOnPostgresqlKeepsItsWorkOverARestart() {
        String url = TestingPostgres.shared().newDatabase();
        String sessionId;
        String calculationId;
        String queryId;
        String namedQueryId;
        try (TestingServer first = TestingServer.start(TestingServer.temporaryDirectory("noctua-pg-first-"), store(url))) {
            AthenaClient athena = first.client();
            sessionId = Athena.startIdleSession(athena);
            calculationId = first.runCompleted(sessionId, "%%sql\nSELECT 41 + 1 AS answer").calculationExecutionId();
            queryId = Athena.querySucceeded(athena, "SELECT 'on postgresql' AS word").queryExecutionId();
            namedQueryId = athena.createNamedQuery(r -> r.name("daily").description("the daily count").database("default")
                    .queryString("SELECT 1").workGroup("primary").clientRequestToken("named-query-token-0000000000000001")).namedQueryId();
            assertEquals(namedQueryId, athena.createNamedQuery(r -> r.name("daily").description("the daily count").database("default")
                    .queryString("SELECT 1").workGroup("primary").clientRequestToken("named-query-token-0000000000000001")).namedQueryId(),
                    "the same token gives the same named query");
        }
        try (TestingServer second = TestingServer.start(TestingServer.temporaryDirectory("noctua-pg-second-"), store(url))) {
            AthenaClient athena = second.client();
            SessionState session = athena.getSessionStatus(r -> r.sessionId(sessionId)).status().state();
            assertTrue(session == SessionState.TERMINATED || session == SessionState.FAILED, "the session ended with its server: " + session);
            assertEquals(List.of(sessionId), athena.listSessions(r -> r.workGroup("spark")).sessions().stream()
                    .map(s -> s.sessionId()).toList());
            assertEquals(CalculationExecutionState.COMPLETED,
                    athena.getCalculationExecution(r -> r.calculationExecutionId(calculationId)).status().state());
            assertEquals(List.of(calculationId), athena.listCalculationExecutions(r -> r.sessionId(sessionId)).calculations().stream()
                    .map(c -> c.calculationExecutionId()).toList());
            assertEquals(QueryExecutionState.SUCCEEDED, athena.getQueryExecution(r -> r.queryExecutionId(queryId)).queryExecution().status().state());
            assertEquals(List.of("on postgresql"), athena.getQueryResults(r -> r.queryExecutionId(queryId)).resultSet().rows().get(1).data()
                    .stream().map(Datum::varCharValue).toList());
            assertEquals(List.of(queryId), athena.listQueryExecutions(r -> r.workGroup("primary")).queryExecutionIds());
            NamedQuery named = athena.getNamedQuery(r -> r.namedQueryId(namedQueryId)).namedQuery();
            assertEquals(List.of("daily", "the daily count", "SELECT 1"), List.of(named.name(), named.description(), named.queryString()));
            assertEquals(List.of(namedQueryId), athena.listNamedQueries(r -> r.workGroup("primary")).namedQueryIds());

            // and the restarted server goes on working on the same store
            String again = Athena.startIdleSession(athena);
            second.runCompleted(again, "%%sql\nSELECT 1");
        }
    }

    @Test
    void anUnreachablePostgresqlFailsTheStartNamingItWithoutThePassword() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort(); // closed again: nothing listens there
        }
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/noctua";
        Path dataDir = TestingServer.temporaryDirectory("noctua-pg-unreachable-");
        RuntimeException refused = assertThrows(RuntimeException.class, () -> TestingServer.start(dataDir,
                Map.of("store.url", url, "store.user", "noctua", "store.password", "the-secret-password")));
        String message = messages(refused);
        assertTrue(message.contains("the store could not be opened: the connection to the database server failed: "), message);
        assertTrue(message.contains("127.0.0.1:" + port), message);
        assertTrue(message.contains(" at " + url), message);
        assertFalse(message.contains("the-secret-password"), message);
    }

    /** The messages of the failure and its causes, one a line. */
    private static String messages(Throwable failure) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append('\n');
        }
        return all.toString();
    }
}
