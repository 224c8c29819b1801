package io.noctua;

import io.noctua.testing.Athena;
import io.noctua.testing.FakePython;
import io.noctua.testing.Processes;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;
import software.amazon.awssdk.services.athena.model.SessionState;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Python workers that are slow to start, or never start: {@code python.executable} is a shell script
 * that writes its pid to a file and then hangs or sleeps. A calculation waiting for such a worker
 * fails after {@code python.start-timeout}, or ends at once when stopped, and stops of other
 * calculations are not held up meanwhile. Reads /proc: Linux only.
 */
class PythonStartTest {
    private final Path dir = TestingServer.temporaryDirectory("noctua-python-start-");
    private final FakePython fakes = new FakePython(dir);
    private final Path slowFlag = dir.resolve("slow");

    @AfterEach
    void killLeftovers() {
        Processes.killLeftovers(fakes.pids(), "fake-python", "sleep");
    }

    /** Never ready: the script starts a child and waits; the pool's question for the interpreter's path gets no answer it can use. */
    private Path hangingPython() {
        return fakes.script(FakePython.HANGS);
    }

    /** python3, except that while the file {@code slow} exists a worker takes 30 s to start. */
    private Path slowWhenToldPython() {
        return fakes.script("""
                [ "$1" = -c ] && exit 1
                if [ -e "%2$s" ]; then
                  echo $$ >> "%1$s"
                  sleep 30
                fi
                exec python3 "$@"
                """, slowFlag);
    }

    @Test
    void aPythonThatNeverBecomesReadyFailsTheCalculationWithTheReasonAndLeavesNothingBehind() {
        Path python = hangingPython();
        try (TestingServer server = TestingServer.start(dir.resolve("data"),
                Map.of("python.executable", python.toString(), "python.start-timeout", "2s", "python.warm-workers", "1"))) {
            AthenaClient athena = server.client();
            String sessionId = Athena.startIdleSession(athena);

            long begin = System.nanoTime();
            GetCalculationExecutionResponse done = Athena.run(athena, sessionId, "print(1)");
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);

            assertEquals(CalculationExecutionState.FAILED, done.status().state());
            assertEquals("The Python worker did not become ready within 2 s (python.start-timeout) with '" + python
                    + "', and was killed: fake python: hanging", done.status().stateChangeReason());
            assertTrue(tookMillis < 15_000, "failed after " + tookMillis + " ms");
            assertEquals(SessionState.IDLE, athena.getSessionStatus(r -> r.sessionId(sessionId)).status().state());
            server.runCompleted(sessionId, "%%sql\nSELECT 1");

            // the warm start at boot, the session's own, and the refill after it: each timed out, none is retried in a loop
            Processes.awaitEnded(fakes.pids(), Duration.ofSeconds(10));
            Athena.sleep(2000);
            assertTrue(fakes.pids().size() <= 6, "started " + fakes.pids().size() / 2 + " times: " + fakes.pids());
            Processes.awaitEnded(fakes.pids(), Duration.ofSeconds(10));
        }
    }

    @Test
    void aStopWhileTheWorkerStartsCancelsAtOnceKillsTheLateWorkerAndDelaysNoOtherStop() {
        try (TestingServer server = TestingServer.start(dir.resolve("data"),
                Map.of("python.executable", slowWhenToldPython().toString(), "python.warm-workers", "0"))) {
            AthenaClient athena = server.client();
            String other = Athena.startIdleSession(athena);
            server.runCompleted(other, "print('started quickly')");
            String sleeping = Athena.startCalculation(athena, other, "import time\ntime.sleep(600)");
            Athena.awaitCalculationState(athena, sleeping, CalculationExecutionState.RUNNING);
            Athena.sleep(300);

            touch(slowFlag);
            String sessionId = Athena.startIdleSession(athena);
            String starting = Athena.startCalculation(athena, sessionId, "print('too late')");
            Athena.await(() -> fakes.pids().size() == 1, "the slow worker to be starting", Duration.ofSeconds(30));
            Athena.awaitCalculationState(athena, starting, CalculationExecutionState.RUNNING);

            // both stops go through the calculation timer, which a start must not hold up
            long begin = System.nanoTime();
            athena.stopCalculationExecution(r -> r.calculationExecutionId(starting));
            athena.stopCalculationExecution(r -> r.calculationExecutionId(sleeping));
            GetCalculationExecutionResponse startingDone = Athena.awaitCalculation(athena, starting);
            GetCalculationExecutionResponse sleepingDone = Athena.awaitCalculation(athena, sleeping);
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);

            assertEquals(CalculationExecutionState.CANCELED, startingDone.status().state(), startingDone.status().toString());
            assertEquals(CalculationExecutionState.CANCELED, sleepingDone.status().state(), sleepingDone.status().toString());
            assertTrue(tookMillis < 5000, "the stops took " + tookMillis + " ms (the worker would be ready after 30 s)");
            Processes.awaitEnded(fakes.pids(), Duration.ofSeconds(5)); // the late worker: killed, not kept for the session
            Athena.awaitSession(athena, sessionId, SessionState.IDLE);
            Athena.awaitSession(athena, other, SessionState.IDLE);

            deleteSlowFlag();
            assertEquals("fresh\n", server.readResult(server.runCompleted(sessionId, "print('fresh')").result().stdOutS3Uri()));
            server.runCompleted(other, "print('still here')");
        }
    }

    @Test
    void terminatingASessionWhileItsWorkerStartsLeavesNothingBehind() {
        try (TestingServer server = TestingServer.start(dir.resolve("data"),
                Map.of("python.executable", slowWhenToldPython().toString(), "python.warm-workers", "0"))) {
            AthenaClient athena = server.client();
            touch(slowFlag);
            String sessionId = Athena.startIdleSession(athena);
            String starting = Athena.startCalculation(athena, sessionId, "print('too late')");
            Athena.await(() -> fakes.pids().size() == 1, "the slow worker to be starting", Duration.ofSeconds(30));

            long begin = System.nanoTime();
            athena.terminateSession(r -> r.sessionId(sessionId));
            Athena.awaitSession(athena, sessionId, SessionState.TERMINATED);
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);

            assertEquals(CalculationExecutionState.CANCELED, Athena.awaitCalculation(athena, starting).status().state());
            assertTrue(tookMillis < 5000, "terminating took " + tookMillis + " ms");
            Processes.awaitEnded(fakes.pids(), Duration.ofSeconds(5));
        }
    }

    private static void touch(Path file) {
        try {
            Files.writeString(file, "");
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void deleteSlowFlag() {
        try {
            Files.delete(slowFlag);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
