package io.noctua.monitoring;

import io.noctua.api.MonitoringShapes.MonitoringConfiguration;
import io.noctua.api.MonitoringShapes.S3LoggingConfiguration;
import io.noctua.concurrent.Threads;
import io.noctua.engine.SparkLogListener;
import io.noctua.results.ResultStore;
import io.noctua.results.ResultStore.ResultObject;
import io.noctua.results.S3Location;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import static java.util.Objects.requireNonNull;

/**
 * S3 logging of sessions ({@code MonitoringConfiguration.S3LoggingConfiguration}), in Noctua's own layout (Athena
 * documents none):
 * <pre>
 * &lt;LogLocation&gt;/&lt;WorkGroup&gt;/sessions/&lt;SessionId&gt;/driver/driver.log
 * &lt;LogLocation&gt;/&lt;WorkGroup&gt;/sessions/&lt;SessionId&gt;/calculations/&lt;CalculationExecutionId&gt;/stdout
 * &lt;LogLocation&gt;/&lt;WorkGroup&gt;/sessions/&lt;SessionId&gt;/calculations/&lt;CalculationExecutionId&gt;/stderr
 * </pre>
 * The driver log holds the session's life as Noctua sees it (its start, its engine ready, each calculation's states,
 * its end and why), Noctua's own warnings that name the session or one of its calculations, or that a thread working
 * for one of its calculations logged, and Spark's log records of threads working for its calculations (by their Spark
 * job group, see {@link SparkLogListener}). It is written whole, replacing the object, when the session is IDLE after
 * its start, after each calculation ends, and when the session ends. Every write happens on this class's own thread,
 * after the event: none delays a session or a calculation, and one that fails is logged by the server and fails
 * nothing.
 */
public final class SessionLogs implements SparkLogListener, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SessionLogs.class.getName());
    private static final String TEXT = "text/plain; charset=utf-8";

    private final ResultStore store;
    private final Clock clock;
    private final Path scratch;
    private final Supplier<String> jobGroupOfThisThread;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(Threads.daemons("session-logs"));
    /** The sessions with S3 logging that have not ended, by id; and their calculations, by id (their job group). */
    private final Map<String, SessionLog> bySession = new ConcurrentHashMap<>();
    private final Map<String, SessionLog> byCalculation = new ConcurrentHashMap<>();
    /** Held, so that the logger keeps its handler: java.util.logging holds its loggers weakly. */
    private final Logger serverLogger = Logger.getLogger("io.noctua");
    private final Handler serverWarnings = new ServerWarnings();

    /**
     * @param scratch a directory for the driver logs on their way to the store (each is moved there whole)
     * @param jobGroupOfThisThread the Spark job group the calling thread works for, or null
     */
    public SessionLogs(ResultStore store, Clock clock, Path scratch, Supplier<String> jobGroupOfThisThread) {
        this.store = requireNonNull(store, "store is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.scratch = requireNonNull(scratch, "scratch is null");
        this.jobGroupOfThisThread = requireNonNull(jobGroupOfThisThread, "jobGroupOfThisThread is null");
        serverLogger.addHandler(serverWarnings);
    }

    /**
     * The log of a new session, whose effective configuration is {@code configuration}: {@link SessionLog#OFF} unless
     * it enables S3 logging.
     */
    public SessionLog open(String sessionId, String workGroup, MonitoringConfiguration configuration) {
        Optional<S3Location> location = MonitoringConfigurations.s3LogLocation(configuration);
        if (location.isEmpty()) {
            return SessionLog.OFF;
        }
        SessionLog log = new SessionLog(this, sessionId, location.get().resolve(workGroup + "/sessions/" + sessionId + "/"), configuration,
                clock);
        bySession.put(sessionId, log);
        return log;
    }

    /** The first lines of a session's driver log: {@code startLine}, then what its configuration does and does not do. */
    static void describe(SessionLog log, MonitoringConfiguration configuration) {
        log.info("S3 logging to " + log.folder() + ": this driver log (driver/driver.log), and each calculation's stdout and stderr "
                + "under calculations/<CalculationExecutionId>/");
        S3LoggingConfiguration s3 = configuration.s3LoggingConfiguration();
        if (s3.kmsKey() != null) {
            log.info("S3LoggingConfiguration.KmsKey is kept, not applied: Noctua has no KMS, and writes the logs as the S3 store keeps objects");
        }
        MonitoringConfigurations.undelivered(configuration).ifPresent(log::info);
    }

    // ---- what SessionLog asks for

    void attribute(String calculationExecutionId, SessionLog log) {
        if (bySession.containsKey(log.sessionId())) {
            byCalculation.put(calculationExecutionId, log);
        }
    }

    void ended(SessionLog log) {
        discard(log);
        writeDriverLog(log);
    }

    void discard(SessionLog log) {
        bySession.remove(log.sessionId(), log);
        byCalculation.values().removeIf(owner -> owner == log);
    }

    void writeCalculation(SessionLog log, String calculationExecutionId, String stdOut, String stdError) {
        S3Location folder = log.calculationFolder(calculationExecutionId);
        List<ResultObject> objects = new ArrayList<>(2);
        if (stdOut != null) {
            objects.add(new ResultObject(folder.resolve("stdout"), stdOut.getBytes(StandardCharsets.UTF_8), TEXT));
        }
        if (stdError != null) {
            objects.add(new ResultObject(folder.resolve("stderr"), stdError.getBytes(StandardCharsets.UTF_8), TEXT));
        }
        if (!objects.isEmpty()) {
            submit(log, () -> store.write(objects), "the logs of calculation " + calculationExecutionId + " could not be written to " + folder);
        }
    }

    /** Writes the driver log as it is when the write runs; one write at a time is pending for a session. */
    void writeDriverLog(SessionLog log) {
        if (!log.claimWrite()) {
            return;
        }
        submit(log, () -> {
            log.writeStarted();
            Path file = null;
            try {
                Files.createDirectories(scratch);
                file = Files.createTempFile(scratch, "driver-", ".log");
                Files.write(file, log.content());
                store.writeFile(log.driverLog(), file, TEXT); // whole or not at all: a reader never sees half a log
            }
            catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            finally {
                if (file != null) {
                    deleteQuietly(file);
                }
            }
        }, "the driver log could not be written to " + log.driverLog());
    }

    private void submit(SessionLog log, Runnable write, String failure) {
        try {
            writer.execute(() -> {
                try {
                    write.run();
                }
                catch (RuntimeException e) {
                    // names the session: the line goes to its driver log too, and is written with the next write
                    LOG.warning("session " + log.sessionId() + ": " + failure + ": " + e.getMessage());
                }
            });
        }
        catch (RejectedExecutionException e) {
            LOG.warning("session " + log.sessionId() + ": " + failure + ": the server is shutting down");
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        }
        catch (IOException e) {
            LOG.fine(() -> "could not delete " + file + ": " + e);
        }
    }

    // ---- records of Spark and of the server

    @Override
    public boolean listening() {
        return !bySession.isEmpty();
    }

    @Override
    public void record(String jobGroup, Instant at, String level, String logger, String message, Throwable thrown) {
        SessionLog log = byCalculation.get(jobGroup);
        if (log != null) {
            log.line(at, level, logger, message, thrown);
        }
    }

    /** The session a server record is about: by the job group of the thread that logged it, else by an id its message names. */
    private SessionLog about(String message) {
        String group = jobGroupOfThisThread.get();
        SessionLog log = group == null ? null : byCalculation.get(group);
        if (log != null) {
            return log;
        }
        for (Map.Entry<String, SessionLog> session : bySession.entrySet()) {
            if (message.contains(session.getKey())) {
                return session.getValue();
            }
        }
        for (Map.Entry<String, SessionLog> calculation : byCalculation.entrySet()) {
            if (message.contains(calculation.getKey())) {
                return calculation.getValue();
            }
        }
        return null;
    }

    /** Noctua's own warnings and errors (java.util.logging under {@code io.noctua}) about a session with S3 logging. */
    private final class ServerWarnings extends Handler {
        private final SimpleFormatter formatter = new SimpleFormatter();

        @Override
        public void publish(LogRecord record) {
            if (bySession.isEmpty() || record.getLevel().intValue() < Level.WARNING.intValue()) {
                return;
            }
            try {
                String message = formatter.formatMessage(record);
                SessionLog log = about(message == null ? "" : message);
                if (log != null) {
                    String level = record.getLevel().intValue() >= Level.SEVERE.intValue() ? "ERROR" : "WARN";
                    log.line(record.getInstant(), level, record.getLoggerName(), String.valueOf(message), record.getThrown());
                }
            }
            catch (RuntimeException e) { // a log record must never fail the code that logged it
                reportError("a server log record could not go to a session's driver log", e, java.util.logging.ErrorManager.GENERIC_FAILURE);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    /** Writes what is waiting (up to {@code wait}), then stops taking writes; sessions ending at shutdown have queued theirs already. */
    public void close(java.time.Duration wait) {
        serverLogger.removeHandler(serverWarnings);
        if (!Threads.drain(writer, wait)) {
            LOG.warning("the sessions' logs were still being written after " + wait.toSeconds() + " s; the rest is not written");
        }
    }

    @Override
    public void close() {
        close(java.time.Duration.ofSeconds(10));
    }
}
