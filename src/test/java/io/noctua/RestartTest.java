package io.noctua;

import io.noctua.config.NoctuaConfig;
import io.noctua.testing.Athena;
import io.noctua.testing.ServerProcess;
import io.noctua.testing.TestingS3;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;
import software.amazon.awssdk.services.athena.model.GetSessionResponse;
import software.amazon.awssdk.services.athena.model.SessionState;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.noctua.testing.Athena.LONG_SQL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What survives a stop of the server, graceful or {@code kill -9}. */
class RestartTest {
    @Test
    void afterAGracefulStopEverythingIsThereAndLiveSessionsEndedWithAReason() {
        Path dataDir = TestingServer.temporaryDirectory("noctua-restart-");
        String sessionId;
        String completedId;
        String runningId;
        String idleSessionId;
        try (TestingServer first = TestingServer.start(dataDir, Map.of())) {
            AthenaClient athena = first.client();
            athena.createWorkGroup(r -> r.name("kept").description("survives restarts"));
            sessionId = Athena.startIdleSession(athena);
            completedId = Athena.run(athena, sessionId, "%%sql\nSELECT 1").calculationExecutionId();
            runningId = Athena.startCalculation(athena, sessionId, LONG_SQL);
            Athena.awaitCalculationState(athena, runningId, CalculationExecutionState.RUNNING);
            idleSessionId = Athena.startIdleSession(athena);
        }

        try (TestingServer second = TestingServer.start(dataDir, Map.of())) {
            AthenaClient athena = second.client();
            assertEquals("survives restarts", athena.getWorkGroup(r -> r.workGroup("kept")).workGroup().description());
            GetSessionResponse busy = athena.getSession(r -> r.sessionId(sessionId));
            assertEquals(SessionState.TERMINATED, busy.status().state());
            assertEquals("The Noctua server was shut down", busy.status().stateChangeReason());
            assertEquals(SessionState.TERMINATED, athena.getSession(r -> r.sessionId(idleSessionId)).status().state());

            GetCalculationExecutionResponse completed = athena.getCalculationExecution(r -> r.calculationExecutionId(completedId));
            assertEquals(CalculationExecutionState.COMPLETED, completed.status().state());
            assertTrue(second.readResult(completed.result().stdOutS3Uri()).contains("|  1|"));
            GetCalculationExecutionResponse running = athena.getCalculationExecution(r -> r.calculationExecutionId(runningId));
            assertEquals(CalculationExecutionState.CANCELED, running.status().state());
            assertEquals("Canceled because the session was terminated: The Noctua server was shut down", running.status().stateChangeReason());
            assertEquals(LONG_SQL, athena.getCalculationExecutionCode(r -> r.calculationExecutionId(runningId)).codeBlock());
            assertEquals(List.of(runningId, completedId), athena.listCalculationExecutions(r -> r.sessionId(sessionId)).calculations()
                    .stream().map(c -> c.calculationExecutionId()).toList());
        }
    }

    /** A separate server process is killed with SIGKILL in the middle of a calculation. */
    @Test
    void afterKillMinusNineNoAcknowledgedRecordIsLost() throws Exception {
        Path dataDir = TestingServer.temporaryDirectory("noctua-kill-");
        String sessionId;
        String runningId;
        String completedId;
        try (ServerProcess server = ServerProcess.start(dataDir); AthenaClient athena = server.client()) {
            athena.createWorkGroup(r -> r.name("acknowledged"));
            sessionId = server.startIdleSession(athena);
            completedId = Athena.run(athena, sessionId, "%%sql\nSELECT 1").calculationExecutionId();
            runningId = Athena.startCalculation(athena, sessionId, LONG_SQL);
            Athena.awaitCalculationState(athena, runningId, CalculationExecutionState.RUNNING);
            server.kill(); // SIGKILL: no shutdown hook runs
        }

        try (TestingServer restarted = TestingServer.start(dataDir, Map.of())) {
            AthenaClient athena = restarted.client();
            athena.getWorkGroup(r -> r.workGroup("acknowledged"));
            GetSessionResponse session = athena.getSession(r -> r.sessionId(sessionId));
            assertEquals(SessionState.TERMINATED, session.status().state());
            assertEquals("The Noctua server stopped while the session was active; sessions do not survive a restart",
                    session.status().stateChangeReason());
            GetCalculationExecutionResponse running = athena.getCalculationExecution(r -> r.calculationExecutionId(runningId));
            assertEquals(CalculationExecutionState.FAILED, running.status().state());
            assertEquals("The Noctua server stopped while the calculation was running", running.status().stateChangeReason());
            assertEquals(CalculationExecutionState.COMPLETED,
                    athena.getCalculationExecution(r -> r.calculationExecutionId(completedId)).status().state());
        }
    }

    /**
     * Tables in the catalog and {@code s3://} data on the embedded store are written by one server
     * process, which is then killed; a new process on the same data directory reads them, and so do
     * S3 clients of its embedded store.
     */
    @Test
    void tablesAndS3DataOutliveAKillMinusNine() throws Exception {
        Path dataDir = TestingServer.temporaryDirectory("noctua-catalog-");
        try (ServerProcess first = ServerProcess.start(dataDir); AthenaClient athena = first.client()) {
            String sessionId = first.startIdleSession(athena);
            for (String sql : List.of(
                    "CREATE DATABASE shop",
                    "CREATE TABLE shop.orders USING parquet AS SELECT id, id * 10 AS amount FROM range(4)",
                    "CREATE TABLE shop.events (n INT, kind STRING) USING parquet LOCATION 's3://lake/events'",
                    "INSERT INTO shop.events VALUES (1, 'click'), (2, 'view')",
                    "CREATE TABLE shop.hive_format (a INT) STORED AS PARQUET",
                    "INSERT INTO shop.hive_format VALUES (7)")) {
                GetCalculationExecutionResponse done = Athena.run(athena, sessionId, "%%sql\n" + sql);
                assertEquals(CalculationExecutionState.COMPLETED, done.status().state(), sql + ": " + done.status().stateChangeReason());
            }
            first.kill(); // SIGKILL: Derby and the files must cope
        }

        Files.move(dataDir.resolve("server.log"), dataDir.resolve("server-1.log"));
        try (ServerProcess second = ServerProcess.start(dataDir); AthenaClient athena = second.client()) {
            String sessionId = second.startIdleSession(athena);
            GetCalculationExecutionResponse done = Athena.run(athena, sessionId, "%%sql\n"
                    + "SELECT (SELECT sum(amount) FROM shop.orders) AS orders, (SELECT count(*) FROM shop.events) AS events, "
                    + "(SELECT max(a) FROM shop.hive_format) AS hive");
            assertEquals(CalculationExecutionState.COMPLETED, done.status().state(), done.status().stateChangeReason());

            try (S3Client s3 = TestingS3.client(second.s3Endpoint(),
                    NoctuaConfig.EMBEDDED_ACCESS_KEY_ID, NoctuaConfig.EMBEDDED_SECRET_ACCESS_KEY)) {
                String stdout = TestingS3.read(s3, done.result().stdOutS3Uri());
                assertTrue(stdout.contains("|    60|     2|   7|"), stdout);
                List<String> events = s3.listObjectsV2(r -> r.bucket("lake").prefix("events/")).contents().stream()
                        .map(S3Object::key).filter(key -> key.endsWith(".parquet")).toList();
                assertEquals(1, events.size(), "the INSERT's file: " + events);
            }
            second.stop();
        }
    }
}
