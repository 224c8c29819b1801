package io.noctua;

import io.noctua.testing.Athena;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;
import software.amazon.awssdk.services.athena.model.GetSessionResponse;
import software.amazon.awssdk.services.athena.model.SessionState;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
        Process process = startServerProcess(dataDir);
        String sessionId;
        String runningId;
        String completedId;
        try {
            int port = awaitPort(process, dataDir);
            try (AthenaClient athena = TestingServer.clientFor(java.net.URI.create("http://127.0.0.1:" + port))) {
                athena.createWorkGroup(r -> r.name("acknowledged"));
                sessionId = Athena.startIdleSession(athena);
                completedId = Athena.run(athena, sessionId, "%%sql\nSELECT 1").calculationExecutionId();
                runningId = Athena.startCalculation(athena, sessionId, LONG_SQL);
                Athena.awaitCalculationState(athena, runningId, CalculationExecutionState.RUNNING);
            }
        }
        finally {
            process.destroyForcibly(); // SIGKILL: no shutdown hook runs
            process.waitFor(30, TimeUnit.SECONDS);
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

    private static Process startServerProcess(Path dataDir) throws Exception {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(System.getProperty("noctua.test.jvm.opens", "").split(" ")));
        command.removeIf(String::isBlank);
        command.addAll(List.of("-Xmx1g", "-cp", classPath, "io.noctua.Main", "serve", "--port", "0", "--data-dir", dataDir.toString(),
                "--spark-master", "local[1]", "--conf", "s3.port=0"));
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dataDir.resolve("server.log").toFile())
                .start();
    }

    /** The banner names the endpoint; the port is read from it. */
    private static int awaitPort(Process process, Path dataDir) throws Exception {
        File log = dataDir.resolve("server.log").toFile();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("server process exited: " + Files.readString(log.toPath()));
            }
            for (String line : Files.readAllLines(log.toPath())) {
                if (line.trim().startsWith("endpoint") && line.contains("http://127.0.0.1:")) {
                    String rest = line.substring(line.indexOf("http://127.0.0.1:") + "http://127.0.0.1:".length());
                    return Integer.parseInt(rest.replaceAll("^(\\d+).*", "$1"));
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("server did not print its endpoint: " + Files.readString(log.toPath()));
    }
}
