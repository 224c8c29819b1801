package io.noctua.engine.python;

import io.noctua.testing.Athena;
import io.noctua.testing.Processes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
    /**
     * A "python" that never becomes ready: it writes its pid and that of a child it starts to
     * {@code pids}, says so on stderr, and waits. The pool's question for the interpreter's path
     * ({@code -c}) gets no usable answer, so the pool starts this script as the worker.
     */
    private static final String HANGS = """
            [ "$1" = -c ] && exit 1
            echo $$ >> "%1$s"
            sleep 600 &
            echo $! >> "%1$s"
            echo "fake python: hanging" >&2
            wait
            """;

    @TempDir
    Path dir;
    private final List<PythonWorkers> pools = new ArrayList<>();

    @AfterEach
    void closePoolsAndKillLeftovers() {
        pools.forEach(PythonWorkers::close);
        Processes.killLeftovers(pids(), "fake-python", "sleep 600");
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
        Path python = fakePython(HANGS);
        PythonWorkers workers = pool(python, 0, Duration.ofSeconds(1));

        long begin = System.nanoTime();
        PythonWorkerException e = assertThrows(PythonWorkerException.class, () -> workers.take(new PythonWorkers.Start()));
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);

        assertEquals("The Python worker did not become ready within 1 s (python.start-timeout) with '" + python
                + "', and was killed: fake python: hanging", e.getMessage());
        assertTrue(tookMillis >= 1000 && tookMillis < 5000, tookMillis + " ms");
        assertEquals(2, pids().size(), "the script and its sleep: " + pids());
        Processes.awaitEnded(pids(), Duration.ofSeconds(5));
        assertEquals(0, workers.inUseCount());
    }

    @Test
    void askingTheInterpreterForItsPathIsPartOfTheSameBoundedStart() {
        Path python = fakePython("echo $$ >> \"%1$s\"\nexec sleep 600\n"); // hangs for every question, -c too
        PythonWorkers workers = pool(python, 0, Duration.ofSeconds(2));

        long begin = System.nanoTime();
        PythonWorkerException e = assertThrows(PythonWorkerException.class, () -> workers.take(new PythonWorkers.Start()));
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);

        assertEquals("The Python worker did not become ready within 2 s (python.start-timeout) with '" + python + "', and was killed",
                e.getMessage());
        assertTrue(tookMillis < 3900, "one deadline for the whole start, not one per step: " + tookMillis + " ms");
        assertEquals(1, pids().size(), "only the question was started: " + pids());
        Processes.awaitEnded(pids(), Duration.ofSeconds(5));
    }

    @Test
    void anAbandonedStartEndsAtOnceAndKillsWhatItStarted() {
        PythonWorkers workers = pool(fakePython(HANGS), 0, Duration.ofSeconds(60));
        PythonWorkers.Start start = new PythonWorkers.Start();
        CompletableFuture<PythonWorker> taken = CompletableFuture.supplyAsync(() -> workers.take(start));
        Athena.await(() -> pids().size() == 2, "the fake python and its child", Duration.ofSeconds(10));

        long begin = System.nanoTime();
        start.abandon("stopped by the test");
        CompletionException e = assertThrows(CompletionException.class, () -> taken.orTimeout(5, TimeUnit.SECONDS).join());
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);

        assertInstanceOf(PythonWorkerException.class, e.getCause(), e.toString());
        assertEquals("stopped by the test", e.getCause().getMessage());
        assertTrue(tookMillis < 2000, tookMillis + " ms");
        Processes.awaitEnded(pids(), Duration.ofSeconds(5));
        assertTrue(start.abandoned());
    }

    @Test
    void aStartAbandonedBeforeItBeginsStartsNothing() {
        PythonWorkers workers = pool(fakePython(HANGS), 0, Duration.ofSeconds(60));
        PythonWorkers.Start start = new PythonWorkers.Start();
        start.abandon("the session ended");

        assertEquals("the session ended", assertThrows(PythonWorkerException.class, () -> workers.take(start)).getMessage());
        assertEquals(List.of(), pids());
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
            Path python = fakePython(HANGS);
            PythonWorkers workers = pool(python, 2, Duration.ofMillis(500));
            // the two warm starts time out one after the other; then nothing more is tried until a session takes a worker
            Athena.await(() -> pids().size() == 4 && Processes.ended(pids().get(3)), "two warm starts to time out", Duration.ofSeconds(15));
            Athena.sleep(2000);

            assertEquals(4, pids().size(), "two starts of two processes each: " + pids());
            assertEquals(0, workers.warmCount());
            synchronized (warnings) {
                assertEquals(List.of("The Python worker did not become ready within 500 ms (python.start-timeout) with '" + python
                        + "', and was killed: fake python: hanging; Python calculations will fail until this is fixed"), warnings);
            }
            Processes.awaitEnded(pids(), Duration.ofSeconds(5));
        }
        finally {
            logger.removeHandler(handler);
        }
    }

    @Test
    void closingThePoolEndsTheStartsUnderWay() {
        PythonWorkers workers = pool(fakePython(HANGS), 1, Duration.ofSeconds(60));
        Athena.await(() -> pids().size() == 2, "the warm start", Duration.ofSeconds(10));

        workers.close();
        Processes.awaitEnded(pids(), Duration.ofSeconds(5));
        assertEquals("The server is stopping", assertThrows(PythonWorkerException.class, () -> workers.take(new PythonWorkers.Start())).getMessage());
    }

    @Test
    void aRealPythonStillStarts() {
        PythonWorkers workers = pool(Path.of("python3"), 1, Duration.ofSeconds(30));
        Athena.await(() -> workers.warmCount() == 1, "a warm worker", Duration.ofSeconds(30));

        try (PythonWorker warm = workers.take(new PythonWorkers.Start());
             PythonWorker onDemand = workers.take(new PythonWorkers.Start())) {
            assertEquals("2", warm.execute("a", "1 + 1", null, Map.of()).result());
            assertEquals("3", onDemand.execute("b", "1 + 2", null, Map.of()).result());
            assertEquals(2, workers.inUseCount());
        }
    }

    private PythonWorkers pool(Path python, int warm, Duration startTimeout) {
        PythonWorkers workers = PythonWorkers.start(python.toString(), dir.resolve("work"), warm, startTimeout);
        pools.add(workers);
        return workers;
    }

    /** An executable shell script named fake-python with {@code body}, in which {@code %1$s} is the pid file. */
    private Path fakePython(String body) {
        Path script = dir.resolve("fake-python");
        try {
            Files.writeString(script, "#!/bin/sh\n" + body.formatted(dir.resolve("pids")));
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return script;
    }

    /** The pids the fake python wrote, in order. */
    private List<Long> pids() {
        Path file = dir.resolve("pids");
        try {
            String text = Files.exists(file) ? Files.readString(file) : "";
            return text.isBlank() ? List.of() : Processes.pids(text);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
