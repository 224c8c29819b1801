package io.noctua.engine.python;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * Where sessions get their Python worker: a few are started ahead of need (starting Python takes
 * tens of milliseconds), so a session's first Python cell does not wait for one.
 */
public final class PythonWorkers implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PythonWorkers.class.getName());

    private final String configuredExecutable;
    private final Path script;
    private final int warm;
    private final BlockingQueue<PythonWorker> ready = new LinkedBlockingQueue<>();
    /** Every worker started and not yet found dead: warm ones and those sessions hold. */
    private final Set<PythonWorker> started = ConcurrentHashMap.newKeySet();
    private final ExecutorService starter;
    private volatile boolean closed;
    private volatile String problem;
    private String executable; // the configured one's real path, resolved on first use (see realPath)

    private PythonWorkers(String executable, Path script, int warm) {
        this.configuredExecutable = requireNonNull(executable, "executable is null");
        this.script = requireNonNull(script, "script is null");
        this.warm = warm;
        this.starter = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "python-worker-start");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Writes the worker program to {@code workDir} and starts {@code warm} workers in the background. */
    public static PythonWorkers start(String executable, Path workDir, int warm) {
        Path script = workDir.resolve("noctua_worker.py");
        try (InputStream in = PythonWorkers.class.getResourceAsStream("/io/noctua/engine/python/noctua_worker.py")) {
            requireNonNull(in, "noctua_worker.py is missing from the classpath");
            Files.createDirectories(workDir);
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot write the Python worker to " + workDir, e);
        }
        PythonWorkers workers = new PythonWorkers(executable, script, warm);
        for (int i = 0; i < warm; i++) {
            workers.refill();
        }
        return workers;
    }

    /**
     * The interpreter's own path: a version manager's shim (pyenv's {@code python3}) costs hundreds of
     * milliseconds on every start. Falls back to {@code executable} if it cannot be asked.
     */
    static String realPath(String executable) {
        try {
            Process process = new ProcessBuilder(executable, "-c", "import sys; print(sys.executable)")
                    .redirectErrorStream(true).start();
            String path = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0 && Files.isExecutable(Path.of(path))) {
                return path;
            }
        }
        catch (IOException e) {
            // not startable: PythonWorker.start will say so when a cell needs Python
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return executable;
    }

    /** Asking Python for its real path takes a Python start: done once, off the server's start-up. */
    private synchronized String executable() {
        if (executable == null) {
            executable = realPath(configuredExecutable);
        }
        return executable;
    }

    /** A worker for a session: a warm one if there is one, else one started now. */
    public PythonWorker take() {
        PythonWorker worker;
        while ((worker = ready.poll()) != null) {
            if (worker.isAlive()) {
                refill();
                return worker;
            }
        }
        // none warm: start one here, and refill only after it, so two Python starts do not share the cores
        try {
            return track(PythonWorker.start(executable(), script));
        }
        finally {
            refill();
        }
    }

    private void refill() {
        if (closed || warm == 0) {
            return;
        }
        starter.execute(() -> {
            if (closed || ready.size() >= warm) {
                return;
            }
            try {
                ready.add(track(PythonWorker.start(executable(), script)));
                problem = null;
            }
            catch (PythonWorkerException e) {
                if (problem == null) {
                    LOG.warning(e.getMessage() + "; Python calculations will fail until this is fixed");
                }
                problem = e.getMessage();
            }
        });
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
        closed = true;
        starter.shutdownNow();
        PythonWorker worker;
        while ((worker = ready.poll()) != null) {
            worker.kill();
        }
    }
}
