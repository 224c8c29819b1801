package io.noctua.engine.python;

import io.noctua.testing.Athena;
import io.noctua.testing.FakePython;
import io.noctua.testing.Processes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PythonWorkerTest {
    @TempDir
    Path dir;
    private final List<PythonWorkers> pools = new ArrayList<>();

    @AfterEach
    void closePoolsAndKillLeftovers() {
        pools.forEach(PythonWorkers::close);
        Processes.killLeftovers(fakes().pids(), "fake-python", "sleep 600");
    }

    @Test
    void pythonOlderThan38IsRefused() {
        assertTrue(PythonWorker.tooOld("2.7.18"));
        assertTrue(PythonWorker.tooOld("3.7.17"));
        assertTrue(PythonWorker.tooOld("garbage"));
        assertFalse(PythonWorker.tooOld("3.8.0"));
        assertFalse(PythonWorker.tooOld("3.11.7"));
        assertFalse(PythonWorker.tooOld("3.13.1"));
    }

    @Test
    void aWorkerNotReadyWithinTheStartTimeoutIsKilledWithWhatItStarted() {
        Path python = fakes().script(FakePython.HANGS);
        PythonWorkers workers = pool(python, 0, Duration.ofSeconds(1));

        long begin = System.nanoTime();
        PythonWorkerException e = assertThrows(PythonWorkerException.class, () -> workers.take(new PythonWorkers.Start()));
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);

        assertEquals("The Python worker did not become ready within 1 s (python.start-timeout) with '" + python
                + "', and was killed: fake python: hanging", e.getMessage());
        assertTrue(tookMillis >= 1000 && tookMillis < 5000, tookMillis + " ms");
        assertEquals(2, fakes().pids().size(), "the script and its sleep: " + fakes().pids());
        Processes.awaitEnded(fakes().pids(), Duration.ofSeconds(5));
        assertEquals(0, workers.inUseCount());
    }

    @Test
    void askingTheInterpreterForItsPathIsPartOfTheSameBoundedStart() {
        Path python = fakes().script("echo $$ >> \"%1$s\"\nexec sleep 600\n"); // hangs for every question, -c too
        PythonWorkers workers = pool(python, 0, Duration.ofSeconds(2));

        long begin = System.nanoTime();
        PythonWorkerException e = assertThrows(PythonWorkerException.class, () -> workers.take(new PythonWorkers.Start()));
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);

        assertEquals("The Python worker did not become ready within 2 s (python.start-timeout) with '" + python + "', and was killed",
                e.getMessage());
        assertTrue(tookMillis < 3900, "one deadline for the whole start, not one per step: " + tookMillis + " ms");
        assertEquals(1, fakes().pids().size(), "only the question was started: " + fakes().pids());
        Processes.awaitEnded(fakes().pids(), Duration.ofSeconds(5));
    }

    @Test
    void anAbandonedStartEndsAtOnceAndKillsWhatItStarted() {
        PythonWorkers workers = pool(fakes().script(FakePython.HANGS), 0, Duration.ofSeconds(60));
        PythonWorkers.Start start = new PythonWorkers.Start();
        CompletableFuture<PythonWorker> taken = CompletableFuture.supplyAsync(() -> workers.take(start));
        Athena.await(() -> fakes().pids().size() == 2, "the fake python and its child", Duration.ofSeconds(10));

        long begin = System.nanoTime();
        start.abandon("stopped by the test");
        CompletionException e = assertThrows(CompletionException.class, () -> taken.orTimeout(5, TimeUnit.SECONDS).join());
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);

        assertInstanceOf(PythonWorkerException.class, e.getCause(), e.toString());
        assertEquals("stopped by the test", e.getCause().getMessage());
        assertTrue(tookMillis < 2000, tookMillis + " ms");
        Processes.awaitEnded(fakes().pids(), Duration.ofSeconds(5));
        assertTrue(start.abandoned());
    }

    @Test
    void aStartAbandonedBeforeItBeginsStartsNothing() {
        PythonWorkers workers = pool(fakes().script(FakePython.HANGS), 0, Duration.ofSeconds(60));
        PythonWorkers.Start start = new PythonWorkers.Start();
        start.abandon("the session ended");

        assertEquals("the session ended", assertThrows(PythonWorkerException.class, () -> workers.take(start)).getMessage());
        assertEquals(List.of(), fakes().pids());
    }

    @Test
    void aHungInterpreterIsReportedOnceAndNotRetriedInALoop() {
        Logger logger = Logger.getLogger(PythonWorkers.class.getName());
        List<String> warnings = new ArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    synchronized (warnings) {
                        warnings.add(record.getMessage());
                    }
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(handler);
        try {
            Path python = fakes().script(FakePython.HANGS);
            PythonWorkers workers = pool(python, 2, Duration.ofMillis(500));
            // the two warm starts time out one after the other; then nothing more is tried until a session takes a worker
            Athena.await(() -> fakes().pids().size() == 4 && Processes.ended(fakes().pids().get(3)), "two warm starts to time out", Duration.ofSeconds(15));
            Athena.sleep(2000);

            assertEquals(4, fakes().pids().size(), "two starts of two processes each: " + fakes().pids());
            assertEquals(0, workers.warmCount());
            synchronized (warnings) {
                assertEquals(List.of("The Python worker did not become ready within 500 ms (python.start-timeout) with '" + python
                        + "', and was killed: fake python: hanging; Python calculations will fail until this is fixed"), warnings);
            }
            Processes.awaitEnded(fakes().pids(), Duration.ofSeconds(5));
        }
        finally {
            logger.removeHandler(handler);
        }
    }

    @Test
    void closingThePoolEndsTheStartsUnderWay() {
        PythonWorkers workers = pool(fakes().script(FakePython.HANGS), 1, Duration.ofSeconds(60));
        Athena.await(() -> fakes().pids().size() == 2, "the warm start", Duration.ofSeconds(10));

        workers.close();
        Processes.awaitEnded(fakes().pids(), Duration.ofSeconds(5));
        assertEquals("The server is stopping", assertThrows(PythonWorkerException.class, () -> workers.take(new PythonWorkers.Start())).getMessage());
    }

    @Test
    void aRealPythonStillStarts() {
        PythonWorkers workers = pool(Path.of("python3"), 1, Duration.ofSeconds(30));
        Athena.await(() -> workers.warmCount() == 1, "a warm worker", Duration.ofSeconds(30));

        try (PythonWorker warm = workers.take(new PythonWorkers.Start());
             PythonWorker onDemand = workers.take(new PythonWorkers.Start())) {
            assertEquals("2", warm.execute("a", "1 + 1", null, Map.of()).rich().value().path("text/plain").asText());
            assertEquals("3", onDemand.execute("b", "1 + 2", null, Map.of()).rich().value().path("text/plain").asText());
            assertEquals(2, workers.inUseCount());
        }
    }

    private PythonWorkers pool(Path python, int warm, Duration startTimeout) {
        PythonWorkers workers = PythonWorkers.start(python.toString(), dir.resolve("work"), warm, startTimeout);
        pools.add(workers);
        return workers;
    }

    /** The fake interpreters of this test's directory. */
    private FakePython fakes() {
        return new FakePython(dir);
    }
}
