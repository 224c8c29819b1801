package io.noctua.engine.python;

import io.noctua.concurrent.Threads;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * A Python process just started, waited for until it writes its first line: the worker's ready line,
 * or the interpreter's path. Threads of its own read that line and the process's stderr, so the wait
 * is bounded ({@link #awaitFirstLine}) and another thread can end it at once ({@link #kill}); a
 * {@link PythonWorker} keeps the process, its stdout and its stderr's last lines afterwards.
 */
final class LaunchedProcess {
    private static final Logger LOG = Logger.getLogger(LaunchedProcess.class.getName());
    private static final int STDERR_LINES_KEPT = 20;
    /** After a kill, how long the last stderr lines may take to arrive (a process that escaped the kill may hold the pipe). */
    private static final long STDERR_END_WAIT_MILLIS = 500;

    private final Process process;
    private final String marker;
    private final BufferedReader stdout;
    private final CompletableFuture<String> firstLine = new CompletableFuture<>();
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private final Thread stderrDrain;

    private LaunchedProcess(Process process, String marker) {
        this.process = process;
        this.marker = marker;
        this.stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.stderrDrain = Threads.daemon("python-worker-stderr-" + process.pid(), this::drainStderr);
    }

    /** Starts {@code builder}'s command with a {@link ProcessTree} marker of its own; stdout and stderr must be pipes. */
    static LaunchedProcess launch(ProcessBuilder builder) throws IOException {
        String marker = ProcessTree.mark(builder);
        LaunchedProcess launched = new LaunchedProcess(builder.start(), marker);
        launched.stderrDrain.start();
        Threads.daemon("python-worker-ready-" + launched.process.pid(), launched::readFirstLine).start();
        return launched;
    }

    private void readFirstLine() {
        try {
            firstLine.complete(stdout.readLine());
        }
        catch (IOException e) {
            firstLine.complete(null); // the pipe broke: the process is gone
        }
    }

    /** Stderr (warnings, crashes) goes to the log; its last lines explain a process that did not start or died. */
    private void drainStderr() {
        try (BufferedReader stderr = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = stderr.readLine()) != null) {
                String logged = line;
                LOG.fine(() -> "python worker " + process.pid() + ": " + logged);
                synchronized (stderrTail) {
                    stderrTail.addLast(line);
                    if (stderrTail.size() > STDERR_LINES_KEPT) {
                        stderrTail.removeFirst();
                    }
                }
            }
        }
        catch (IOException ignored) {
            // the process is gone
        }
    }

    /**
     * The first line the process writes to stdout, or null if it closed stdout without one. The wait
     * ends at {@code deadline}, or when {@code start} is abandoned; then the process is killed with
     * everything it started, and a {@link PythonWorkerException} says why ({@code executable} names
     * the interpreter in it).
     */
    String awaitFirstLine(Deadline deadline, PythonWorkers.Start start, String executable) {
        if (!start.watch(this)) {
            kill();
            throw new PythonWorkerException(start.abandonedBecause(), null);
        }
        String line;
        try {
            line = firstLine.get(deadline.remainingNanos(), TimeUnit.NANOSECONDS);
        }
        catch (TimeoutException e) {
            kill();
            throw new PythonWorkerException("The Python worker did not become ready within " + deadline.describe()
                    + " (python.start-timeout) with '" + executable + "', and was killed" + stderrEnding(), null);
        }
        catch (InterruptedException e) {
            kill();
            Thread.currentThread().interrupt();
            throw new PythonWorkerException("The Python worker's start was interrupted", e);
        }
        catch (ExecutionException e) {
            throw new IllegalStateException("the first line is never completed exceptionally", e);
        }
        finally {
            start.unwatch(this);
        }
        if (start.abandoned()) { // killed meanwhile (the line is then null), or about to be
            kill();
            throw new PythonWorkerException(start.abandonedBecause(), null);
        }
        return line;
    }

    /**
     * Ends the process and everything it started (SIGKILL, {@link ProcessTree}), and any wait for its
     * first line. Safe from any thread, at any time, more than once.
     */
    void kill() {
        // read now: the group it leads once it has called setsid(), else only its descendants and marker
        ProcessTree.of(process.toHandle(), marker).kill();
        firstLine.complete(null);
    }

    /** {@code ": <its stderr's last line>"} once stderr has ended (or half a second has passed), or "" if it wrote none. */
    String stderrEnding() {
        try {
            stderrDrain.join(STDERR_END_WAIT_MILLIS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String last = lastStderrLine();
        return last == null ? "" : ": " + last;
    }

    /** The last line the process wrote to stderr so far, or null. */
    String lastStderrLine() {
        synchronized (stderrTail) {
            return stderrTail.isEmpty() ? null : stderrTail.getLast();
        }
    }

    Process process() {
        return process;
    }

    String marker() {
        return marker;
    }

    /** Its stdout: after {@link #awaitFirstLine}, the lines that follow the first. */
    BufferedReader stdout() {
        return stdout;
    }

    /** When a start must be over: {@code timeout} (python.start-timeout) after it began. */
    record Deadline(Duration timeout, long atNanos) {
        Deadline {
            requireNonNull(timeout, "timeout is null");
        }

        static Deadline after(Duration timeout) {
            // a timeout of centuries waits as long as one of decades: nanoTime() arithmetic must not overflow
            long nanos = timeout.compareTo(Duration.ofDays(365 * 100)) > 0 ? Duration.ofDays(365 * 100).toNanos() : timeout.toNanos();
            return new Deadline(timeout, System.nanoTime() + nanos);
        }

        long remainingNanos() {
            return Math.max(0, atNanos - System.nanoTime());
        }

        /** The timeout as a person reads it: {@code 60 s}, {@code 1500 ms}. */
        String describe() {
            return timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + " s" : timeout.toMillis() + " ms";
        }
    }
}
