package io.noctua;

import io.noctua.testing.Athena;
import io.noctua.testing.ServerProcess;
import io.noctua.testing.TestingPostgres;
import io.noctua.testing.TestingS3;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.Datum;
import software.amazon.awssdk.services.athena.model.Row;
import software.amazon.awssdk.services.athena.model.ExecutorType;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;
import software.amazon.awssdk.services.athena.model.GetSessionResponse;
import software.amazon.awssdk.services.athena.model.SessionState;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Two servers, each a JVM of its own with its own Spark driver, on one PostgreSQL store, one
 * PostgreSQL catalog and one S3 store: every call answered by either, the calls that need a
 * session's driver forwarded to the server that runs it, new sessions spread over both, a table made
 * through one read through the other, and the work of a killed server ended by the other within its
 * lease.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SeveralServersTest {
    private static final Duration LEASE = Duration.ofSeconds(2);

    private static String database;
    private static ServerProcess first;
    private static ServerProcess second;
    private static AthenaClient viaFirst;
    private static AthenaClient viaSecond;

    @BeforeAll
    static void start() {
        String missing = TestingPostgres.missing();
        assumeTrue(missing == null, missing);
        String url = TestingPostgres.shared().newDatabase();
        database = url.substring(url.lastIndexOf('/') + 1);
        Map<String, String> settings = new HashMap<>(TestingS3.shared().serverSettings());
        settings.putAll(Map.of("store.url", url, "store.user", TestingPostgres.USER, "store.password", TestingPostgres.PASSWORD,
                "metastore.url", TestingPostgres.shared().newDatabase(), "metastore.user", TestingPostgres.USER,
                "metastore.password", TestingPostgres.PASSWORD, "cluster.lease-duration", LEASE.toMillis() + "ms"));
        // started together on empty databases: both make the store's and the catalog's tables at once
        first = ServerProcess.start(TestingServer.temporaryDirectory("noctua-first-"), settings);
        second = ServerProcess.start(TestingServer.temporaryDirectory("noctua-second-"), settings);
        viaFirst = first.client();
        viaSecond = second.client();
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable part : new AutoCloseable[] {viaFirst, viaSecond, first, second}) {
            try {
                if (part != null) {
                    part.close();
                }
            }
            catch (Exception e) {
                // the others are closed all the same
            }
        }
    }

    @Test
    @Order(1)
    void aSessionIsDrivenThroughTheServerThatDoesNotRunIt() {
        String sessionId = first.startIdleSession(viaFirst);
        AthenaClient other = serverOf(sessionId).equals(serverId(first)) ? viaSecond : viaFirst;

        GetCalculationExecutionResponse done = Athena.run(other, sessionId, "%%sql\nSELECT 6 * 7 AS answer");
        assertEquals(CalculationExecutionState.COMPLETED, done.status().state(), done.status().stateChangeReason());
        // the same record through both (toString: the fields, without each answer's own request id)
        assertEquals(done.toString(), viaFirst.getCalculationExecution(r -> r.calculationExecutionId(done.calculationExecutionId())).toString());
        assertEquals(done.toString(), viaSecond.getCalculationExecution(r -> r.calculationExecutionId(done.calculationExecutionId())).toString());
        GetCalculationExecutionResponse python = Athena.run(other, sessionId, "x = 20\nx + 1");
        assertEquals(CalculationExecutionState.COMPLETED, python.status().state(), python.status().stateChangeReason());

        List<ExecutorType> executors = other.listExecutors(r -> r.sessionId(sessionId)).executorsSummary().stream()
                .map(e -> e.executorType()).toList();
        assertTrue(executors.contains(ExecutorType.COORDINATOR), executors.toString());

        String running = Athena.startCalculation(other, sessionId, Athena.LONG_SQL);
        Athena.awaitCalculationState(other, running, CalculationExecutionState.RUNNING);
        Athena.assertStopCancels(other, sessionId, running);

        other.terminateSession(r -> r.sessionId(sessionId));
        Athena.await(() -> viaFirst.getSessionStatus(r -> r.sessionId(sessionId)).status().state() == SessionState.TERMINATED
                        && viaSecond.getSessionStatus(r -> r.sessionId(sessionId)).status().state() == SessionState.TERMINATED,
                "the session to be TERMINATED on both servers", Duration.ofSeconds(30));
    }

    @Test
    @Order(2)
    void newSessionsGoToTheLeastLoadedServer() {
        String one = first.startIdleSession(viaFirst);
        Athena.sleep(LEASE.toMillis()); // both servers have told the store their load since
        String two = first.startIdleSession(viaFirst);
        assertNotEquals(serverOf(one), serverOf(two), "two sessions started through one server run on two servers");
        viaFirst.terminateSession(r -> r.sessionId(one));
        viaSecond.terminateSession(r -> r.sessionId(two));
    }

    @Test
    @Order(3)
    void aWorkloadThroughBothServersLosesNothing() {
        List<String> sessions = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            sessions.add((i % 2 == 0 ? first : second).startIdleSession(i % 2 == 0 ? viaFirst : viaSecond));
        }
        Map<String, String> expected = new HashMap<>();
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < sessions.size(); i++) {
                AthenaClient client = (round + i) % 2 == 0 ? viaFirst : viaSecond;
                int value = round * 10 + i;
                String id = Athena.startCalculation(client, sessions.get(i), "%%sql\nSELECT " + value + " AS v");
                GetCalculationExecutionResponse done = Athena.awaitCalculation((round + i) % 2 == 0 ? viaSecond : viaFirst, id);
                assertEquals(CalculationExecutionState.COMPLETED, done.status().state(), done.status().stateChangeReason());
                expected.put(id, sessions.get(i));
            }
        }
        for (String sessionId : sessions) {
            List<String> listed = viaSecond.listCalculationExecutions(r -> r.sessionId(sessionId)).calculations().stream()
                    .map(c -> c.calculationExecutionId()).toList();
            assertEquals(3, listed.size(), listed.toString());
            listed.forEach(id -> assertEquals(sessionId, expected.get(id)));
            viaFirst.terminateSession(r -> r.sessionId(sessionId));
        }
    }

    @Test
    @Order(4)
    void aTableMadeThroughOneServerIsReadThroughTheOther() {
        AthenaClient one = viaFirst;
        AthenaClient two = viaSecond;
        {
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

            one.terminateSession(r -> r.sessionId(sessionOne));
            two.terminateSession(r -> r.sessionId(sessionTwo));
        }
    }

    @Test
    @Order(5)
    void anInternalCallWithoutTheStoresSignatureIsRefused() throws IOException, InterruptedException {
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(first.endpoint().resolve("/internal/aws-json"))
                .header("Content-Type", "application/x-amz-json-1.1")
                .header("X-Amz-Target", "AmazonAthena.TerminateSession")
                .header("X-Noctua-Forwarded-By", "someone")
                .header("X-Noctua-Date", Long.toString(System.currentTimeMillis()))
                .header("X-Noctua-Signature", "00")
                .POST(HttpRequest.BodyPublishers.ofString("{\"SessionId\":\"x\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, answer.statusCode(), answer.body());
        assertTrue(answer.body().contains("AccessDeniedException") && answer.body().contains("not signed by a server on this store"),
                answer.body());
    }

    @Test
    @Order(6)
    void theSurvivorEndsTheWorkOfAKilledServerWithinItsLease() {
        String sessionId = first.startIdleSession(viaFirst);
        ServerProcess owner = serverOf(sessionId).equals(serverId(first)) ? first : second;
        AthenaClient survivor = owner == first ? viaSecond : viaFirst;
        String running = Athena.startCalculation(survivor, sessionId, Athena.LONG_SQL);
        Athena.awaitCalculationState(survivor, running, CalculationExecutionState.RUNNING);

        long killed = System.nanoTime();
        owner.kill();
        Athena.await(() -> survivor.getSessionStatus(r -> r.sessionId(sessionId)).status().state() == SessionState.TERMINATED,
                "the killed server's session to be ended", Duration.ofSeconds(30));
        long millis = (System.nanoTime() - killed) / 1_000_000;
        System.out.println("failover: the killed server's session was ended " + millis + " ms after kill -9 (lease " + LEASE.toMillis() + " ms)");
        assertTrue(millis < LEASE.toMillis() * 3, "ended after " + millis + " ms");

        GetSessionResponse session = survivor.getSession(r -> r.sessionId(sessionId));
        assertTrue(session.status().stateChangeReason().contains("stopped renewing its lease"), session.status().stateChangeReason());
        GetCalculationExecutionResponse calculation = survivor.getCalculationExecution(r -> r.calculationExecutionId(running));
        assertEquals(CalculationExecutionState.FAILED, calculation.status().state());
        assertTrue(calculation.status().stateChangeReason().contains("stopped renewing its lease"), calculation.status().stateChangeReason());

        String after = Athena.startIdleSession(survivor); // the survivor serves on: new sessions run on it
        assertEquals(CalculationExecutionState.COMPLETED, Athena.run(survivor, after, "%%sql\nSELECT 1").status().state());
    }

    /** The id of the server that runs {@code sessionId}, as the store records it. */
    private static String serverOf(String sessionId) {
        try (Connection connection = TestingPostgres.shared().connect(database);
             PreparedStatement statement = connection.prepareStatement("SELECT server_id FROM sessions WHERE session_id = ?")) {
            statement.setString(1, sessionId);
            try (ResultSet row = statement.executeQuery()) {
                assertTrue(row.next(), "no session " + sessionId);
                return row.getString(1);
            }
        }
        catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    /** The id of the server, from its lease in the store. */
    private static String serverId(ServerProcess server) {
        try (Connection connection = TestingPostgres.shared().connect(database);
             PreparedStatement statement = connection.prepareStatement("SELECT server_id FROM servers WHERE endpoint = ?")) {
            statement.setString(1, server.endpoint().toString());
            try (ResultSet row = statement.executeQuery()) {
                assertTrue(row.next(), "no lease of the server at " + server.endpoint());
                return row.getString(1);
            }
        }
        catch (SQLException e) {
            throw new AssertionError(e);
        }
    }
}
