package io.noctua.engine.python;

import io.noctua.concurrent.Threads;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * Where sessions get their Python worker: a few are started ahead of need (starting Python takes
 * tens of milliseconds), so a session's first Python cell does not wait for one. Every start, ahead
 * of need or for a session, must see the worker ready within {@code python.start-timeout}; one that
 * does not is killed and fails with a reason.
 */
public final class PythonWorkers implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PythonWorkers.class.getName());

    private final String configuredExecutable;
    private final Path script;
    private final int warm;
    private final Duration startTimeout;
    /** Variables the worker processes get besides the server's own (NOCTUA_SPARK_HINT). */
    private final Map<String, String> environment;
    /** Why there is no Python to start (the environment could not be built), or null. */
    private final String unavailable;
    private final BlockingQueue<PythonWorker> ready = new LinkedBlockingQueue<>();
    /** Every worker started and not yet found dead: warm ones and those sessions hold. */
    private final Set<PythonWorker> started = ConcurrentHashMap.newKeySet();
    /** Starts under way, abandoned when the pool closes. */
    private final Set<Start> starting = ConcurrentHashMap.newKeySet();
    /** Starts ahead of need queued or running: never more than {@code warm}, however many sessions take workers meanwhile. */
    private final AtomicInteger refilling = new AtomicInteger();
    private final ExecutorService starter;
    private volatile boolean closed;
    private volatile String problem;
    /** The configured interpreter's real path, once asked (see {@link #realPath}); asked again after a start that timed out. */
    private volatile String executable;

    private PythonWorkers(String executable, Path script, int warm, Duration startTimeout, Map<String, String> environment, String unavailable) {
        this.configuredExecutable = requireNonNull(executable, "executable is null");
        this.script = requireNonNull(script, "script is null");
        this.warm = warm;
        this.startTimeout = requireNonNull(startTimeout, "startTimeout is null");
        this.environment = Map.copyOf(environment);
        this.unavailable = unavailable;
        if (startTimeout.isNegative() || startTimeout.isZero()) {
            throw new IllegalArgumentException("startTimeout must be positive: " + startTimeout);
        }
        this.starter = Executors.newSingleThreadExecutor(Threads.daemons("python-worker-start"));
    }

    /**
     * Writes the worker program to {@code workDir} and starts {@code warm} workers in the background;
     * each start, here and in {@link #take}, waits at most {@code startTimeout} for its worker to be ready.
     */
    public static PythonWorkers start(String executable, Path workDir, int warm, Duration startTimeout) {
        return start(executable, workDir, warm, startTimeout, Map.of());
    }

    /** As {@link #start(String, Path, int, Duration)}, and each worker process gets {@code environment} as well. */
    public static PythonWorkers start(String executable, Path workDir, int warm, Duration startTimeout, Map<String, String> environment) {
        Path script = workDir.resolve("noctua_worker.py");
        try (InputStream in = PythonWorkers.class.getResourceAsStream("/io/noctua/engine/python/noctua_worker.py")) {
            requireNonNull(in, "noctua_worker.py is missing from the classpath");
            Files.createDirectories(workDir);
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot write the Python worker to " + workDir, e);
        }
        PythonWorkers workers = new PythonWorkers(executable, script, warm, startTimeout, environment, null);
        for (int i = 0; i < warm; i++) {
            workers.refill();
        }
        return workers;
    }

    /** A pool that starts nothing: every {@link #take} fails with {@code reason} (there is no Python to run). */
    public static PythonWorkers unavailable(String reason) {
        return new PythonWorkers("", Path.of("noctua_worker.py"), 0, Duration.ofSeconds(1), Map.of(), requireNonNull(reason, "reason is null"));
    }

    /**
     * One wait for a worker, which another thread may abandon (a stop, the session's end, the server's):
     * the process being started is then killed at once and the wait fails with the reason given. A
     * session holds one while its worker starts, so that nothing it does waits for the start.
     */
    public static final class Start {
        private LaunchedProcess watched; // the process this start waits for, or null
        private String abandonedBecause; // null until abandoned

        /** Ends the wait: the process being started is killed, and {@link #take} fails with {@code reason}. Idempotent. */
        public void abandon(String reason) {
            requireNonNull(reason, "reason is null");
            LaunchedProcess current;
            synchronized (this) {
                if (abandonedBecause != null) {
                    return;
                }
                abandonedBecause = reason;
                current = watched;
            }
            if (current != null) {
                current.kill();
            }
        }

        public synchronized boolean abandoned() {
            return abandonedBecause != null;
        }

        synchronized String abandonedBecause() {
            return abandonedBecause;
        }

        /** {@code process} is the one waited for now; false (and not watched) if the start was abandoned already. */
        synchronized boolean watch(LaunchedProcess process) {
            if (abandonedBecause != null) {
                return false;
            }
            watched = process;
            return true;
        }

        synchronized void unwatch(LaunchedProcess process) {
            if (watched == process) {
                watched = null;
            }
        }
    }

    /**
     * The interpreter's own path: a version manager's shim (pyenv's {@code python3}) costs hundreds of
     * milliseconds on every start. Falls back to {@code executable} if it cannot be asked or gives no
     * usable answer; an interpreter that does not answer by {@code deadline} is killed, and the
     * {@link PythonWorkerException} says so, as for a worker.
     */
    static String realPath(String executable, LaunchedProcess.Deadline deadline, Start start) {
        LaunchedProcess probe;
        try {
            probe = LaunchedProcess.launch(new ProcessBuilder(executable, "-c", "import sys; print(sys.executable)"));
        }
        catch (IOException e) {
            return executable; // not startable: PythonWorker.start will say so
        }
        try {
            String path = probe.awaitFirstLine(deadline, start, executable);
            if (path != null && probe.process().waitFor(deadline.remainingNanos(), TimeUnit.NANOSECONDS)
                    && probe.process().exitValue() == 0 && Files.isExecutable(Path.of(path.strip()))) {
                return path.strip();
            }
            return executable;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PythonWorkerException("The Python worker's start was interrupted", e);
        }
        catch (InvalidPathException e) {
            return executable;
        }
        finally {
            probe.kill(); // it has ended already, unless it left something behind
        }
    }

    /** The interpreter to start: asked for its real path once (a start that timed out asks again next time). */
    private String executable(LaunchedProcess.Deadline deadline, Start start) {
        String known = executable;
        if (known == null) {
            // not under a lock: two first starts may both ask, which costs a Python start and gives the same answer
            known = realPath(configuredExecutable, deadline, start);
            executable = known;
        }
        return known;
    }

    /** A worker started now, ready within python.start-timeout, unless {@code start} is abandoned first. */
    private PythonWorker startWorker(Start start) {
        starting.add(start);
        try {
            if (closed) {
                start.abandon("The server is stopping");
            }
            if (start.abandoned()) {
                throw new PythonWorkerException(start.abandonedBecause(), null);
            }
            if (unavailable != null) {
                throw new PythonWorkerException(unavailable, null);
            }
            LaunchedProcess.Deadline deadline = LaunchedProcess.Deadline.after(startTimeout);
            return track(PythonWorker.start(executable(deadline, start), script, environment, deadline, start));
        }
        finally {
            starting.remove(start);
        }
    }

    /**
     * A worker for a session: a warm one if there is one, else one started now, which is killed if it
     * is not ready within python.start-timeout. Another thread may {@link Start#abandon} the wait.
     * Throws {@link PythonWorkerException} with the reason when there is no worker.
     */
    public PythonWorker take(Start start) {
        PythonWorker worker;
        while ((worker = ready.poll()) != null) {
            if (worker.isAlive()) {
                refill();
                return worker;
            }
            worker.kill(); // died waiting: nothing of it may stay behind
        }
        // none warm: start one here, and refill only after it, so two Python starts do not share the cores
        try {
            return startWorker(start);
        }
        finally {
            refill();
        }
    }

    private void refill() {
        if (closed || warm == 0) {
            return;
        }
        // one start per missing worker at most: a hung interpreter must not pile up a start per take
        if (refilling.incrementAndGet() + ready.size() > warm) {
            refilling.decrementAndGet();
            return;
        }
        try {
            starter.execute(() -> {
                try {
                    fillOne();
                }
                finally {
                    refilling.decrementAndGet();
                }
            });
        }
        catch (RejectedExecutionException e) {
            refilling.decrementAndGet(); // closed meanwhile
        }
    }

    private void fillOne() {
        if (closed || ready.size() >= warm) {
            return;
        }
        PythonWorker worker;
        try {
            worker = startWorker(new Start());
        }
        catch (PythonWorkerException e) {
            // said once, until a start succeeds again; the next start is tried when a session takes a worker
            if (!closed && problem == null) {
                LOG.warning(e.getMessage() + "; Python calculations will fail until this is fixed");
            }
            problem = e.getMessage();
            return;
        }
        problem = null;
        synchronized (this) {
            if (!closed) {
                ready.add(worker);
                return;
            }
        }
        worker.kill(); // the pool closed while it started
    }

    private PythonWorker track(PythonWorker worker) {
        started.add(worker);
        return worker;
    }

    /** Workers started ahead of need, waiting for a session. */
    public int warmCount() {
        return ready.size();
    }

    /** Workers that sessions hold (started and alive, not warm). */
    public int inUseCount() {
        started.removeIf(worker -> !worker.isAlive());
        return Math.max(0, started.size() - ready.size());
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        for (Start start : starting) {
            start.abandon("The server is stopping");
        }
        starter.shutdownNow();
        PythonWorker worker;
        while ((worker = ready.poll()) != null) {
            worker.kill();
        }
    }
}
