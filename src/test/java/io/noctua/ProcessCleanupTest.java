package io.noctua;

import io.noctua.config.NoctuaConfig;
import io.noctua.testing.Athena;
import io.noctua.testing.Processes;
import io.noctua.testing.ServerExtension;
import io.noctua.testing.ServerProcess;
import io.noctua.testing.TestingS3;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;
import software.amazon.awssdk.services.athena.model.SessionState;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Processes a cell starts end with its session, however the session ends: each test has a cell start
 * a child, a child in a session of its own, and a daemon (whose parent exits), and then checks that
 * they and the worker are gone within 10 seconds of the end. Reads /proc: Linux only.
 */
class ProcessCleanupTest {
    private static final Duration END_WITHIN = Duration.ofSeconds(10);
    /** Prints the worker's pid, then those of three sleeps it starts. */
    private static final String START_PROCESSES = """
            import os, subprocess, sys
            child = subprocess.Popen(['sleep', '300'])
            detached = subprocess.Popen(['sleep', '300'], start_new_session=True)
            daemon = subprocess.run([sys.executable, '-c', "import subprocess; print(subprocess.Popen(['sleep', '300'], "
                                     "start_new_session=True, stdout=subprocess.DEVNULL).pid)"], stdout=subprocess.PIPE, text=True).stdout
            print(os.getpid(), child.pid, detached.pid, daemon.strip())
            """;

    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private final TestingServer server = running.server();
    private final AthenaClient athena = running.client();
    private final List<Long> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        Processes.killLeftovers(started, "sleep 300", "noctua_worker.py");
    }

    /** Runs {@link #START_PROCESSES} in the session; the pids it printed, read through {@code read} (an S3 URI's content). */
    private List<Long> startProcesses(AthenaClient client, String sessionId, UnaryOperator<String> read) {
        GetCalculationExecutionResponse done = Athena.run(client, sessionId, START_PROCESSES);
        assertEquals(CalculationExecutionState.COMPLETED, done.status().state(),
                () -> done.status().stateChangeReason() + "\n" + read.apply(done.result().stdErrorS3Uri()));
        List<Long> pids = Processes.pids(read.apply(done.result().stdOutS3Uri()));
        assertEquals(4, pids.size(), pids::toString);
        started.addAll(pids);
        return pids;
    }

    private List<Long> startProcesses(String sessionId) {
        return startProcesses(athena, sessionId, server::readResult);
    }

    private static void assertEnded(List<Long> pids, String after) {
        Duration took = Processes.awaitEnded(pids, END_WITHIN);
        System.out.println("ProcessCleanupTest: " + pids + " ended " + took.toMillis() + " ms after " + after);
    }

    @Test
    void terminateSessionEndsWhatItsCellsStarted() {
        String sessionId = Athena.startIdleSession(athena);
        List<Long> pids = startProcesses(sessionId);

        athena.terminateSession(r -> r.sessionId(sessionId));
        assertEnded(pids, "TerminateSession");
    }

    @Test
    void theIdleTimeoutEndsWhatItsCellsStarted() {
        // one "minute" of idle timeout lasts a second on this server
        try (TestingServer fast = TestingServer.start(TestingServer.temporaryDirectory("noctua-idle-processes-"), Map.of("session.minute", "1s"))) {
            AthenaClient client = fast.client();
            String sessionId = client.startSession(r -> r.workGroup(Athena.SPARK_WORK_GROUP).engineConfiguration(e -> e.maxConcurrentDpus(2))
                    .sessionIdleTimeoutInMinutes(2)).sessionId();
            Athena.awaitSession(client, sessionId, SessionState.IDLE);
            List<Long> pids = startProcesses(client, sessionId, fast::readResult);

            Athena.awaitSession(client, sessionId, SessionState.TERMINATED);
            assertEnded(pids, "the idle timeout");
        }
    }

    /** A cell that ignores KeyboardInterrupt outlasts the stop's grace: its worker is killed, with everything it started. */
    @Test
    void aHardStopEndsWhatTheWorkerStarted() throws Exception {
        String sessionId = Athena.startIdleSession(athena);
        List<Long> pids = new ArrayList<>(startProcesses(sessionId));
        Path pidFile = TestingServer.temporaryDirectory("noctua-stubborn-").resolve("pid");
        String calculationId = Athena.startCalculation(athena, sessionId, """
                import subprocess, time
                with open(%s, 'w') as out:
                    out.write(str(subprocess.Popen(['sleep', '300']).pid))
                while True:
                    try:
                        time.sleep(60)
                    except KeyboardInterrupt:
                        pass
                """.formatted(pythonString(pidFile.toString())));
        Athena.await(() -> Files.exists(pidFile) && !readQuietly(pidFile).isEmpty(), "the stubborn cell's sleep", Duration.ofSeconds(30));
        long stubbornChild = Long.parseLong(Files.readString(pidFile).strip());
        started.add(stubbornChild);
        pids.add(stubbornChild);

        Athena.assertStopCancels(athena, sessionId, calculationId);
        assertEnded(pids, "the calculation was stopped");
    }

    @Test
    void aWorkerThatDiesTakesWhatItStartedWithIt() {
        String sessionId = Athena.startIdleSession(athena);
        List<Long> pids = startProcesses(sessionId);

        GetCalculationExecutionResponse crashed = Athena.run(athena, sessionId, "import os\nos._exit(7)");
        assertEquals("The session's Python worker exited with code 7", crashed.status().stateChangeReason());
        assertEnded(pids, "the worker died");
        server.runCompleted(sessionId, "print('a new worker')");
    }

    /** The server runs in a JVM of its own, killed with SIGKILL while one session is idle, another runs a cell, and warm workers wait. */
    @Test
    void killMinusNineOfTheServerEndsWhatEveryCellStarted() {
        Path dataDir = TestingServer.temporaryDirectory("noctua-kill-processes-");
        List<Long> pids = new ArrayList<>();
        try (ServerProcess process = ServerProcess.start(dataDir);
             AthenaClient client = process.client();
             S3Client s3 = TestingS3.client(process.s3Endpoint(), NoctuaConfig.EMBEDDED_ACCESS_KEY_ID, NoctuaConfig.EMBEDDED_SECRET_ACCESS_KEY)) {
            String idle = process.startIdleSession(client);
            pids.addAll(startProcesses(client, idle, uri -> TestingS3.read(s3, uri)));
            String busy = Athena.startIdleSession(client);
            pids.addAll(startProcesses(client, busy, uri -> TestingS3.read(s3, uri)));
            String sleeping = Athena.startCalculation(client, busy, "import time\ntime.sleep(600)");
            Athena.awaitCalculationState(client, sleeping, CalculationExecutionState.RUNNING);
            List<Long> warm = process.process().children()
                    .filter(child -> child.info().commandLine().orElse("").contains("noctua_worker.py"))
                    .map(ProcessHandle::pid).filter(pid -> !pids.contains(pid)).toList();
            started.addAll(warm);
            pids.addAll(warm); // the workers started ahead of need, which no session has yet

            process.kill();
            assertEnded(pids, "kill -9 of the server");
        }
    }

    private static String pythonString(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file).strip();
        }
        catch (java.io.IOException e) {
            return "";
        }
    }
}
