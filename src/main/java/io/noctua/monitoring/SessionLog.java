package io.noctua.monitoring;

import io.noctua.api.MonitoringShapes.MonitoringConfiguration;
import io.noctua.results.S3Location;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.util.Objects.requireNonNull;

/**
 * One session's logs under its S3 {@code LogLocation} (the layout is {@link SessionLogs}'): the lines of its driver log,
 * kept in memory and written whole to {@code driver/driver.log} from time to time, and its calculations' stdout and
 * stderr. {@link #OFF}, for a session without S3 logging, does nothing at all.
 * <p>
 * A line is {@code <UTC time> <LEVEL> <source>: <message>}, the source being {@code noctua} for the session's own events,
 * else the logger's name. The last {@value #MAX_BYTES} bytes of lines are kept; older lines are dropped, and the log then
 * begins by saying how many.
 */
public final class SessionLog {
    /** A session without S3 logging. */
    public static final SessionLog OFF = new SessionLog();

    static final int MAX_BYTES = 4 * 1024 * 1024;
    /** UTC to the millisecond, as Spark's own records are timed. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    /** At most this many lines of a stack trace go into the log. */
    private static final int MAX_TRACE_LINES = 40;

    private final SessionLogs owner;
    private final String sessionId;
    private final S3Location folder;
    private final MonitoringConfiguration configuration;
    private final Clock clock;
    private final AtomicBoolean writePending = new AtomicBoolean();
    // guarded by this
    private final Deque<String> lines = new ArrayDeque<>();
    private long bytes;
    private long dropped;

    private SessionLog() {
        this.owner = null;
        this.sessionId = null;
        this.folder = null;
        this.configuration = null;
        this.clock = null;
    }

    SessionLog(SessionLogs owner, String sessionId, S3Location folder, MonitoringConfiguration configuration, Clock clock) {
        this.owner = requireNonNull(owner, "owner is null");
        this.sessionId = requireNonNull(sessionId, "sessionId is null");
        this.folder = requireNonNull(folder, "folder is null");
        this.configuration = requireNonNull(configuration, "configuration is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** Whether the session has S3 logging; lines need not be made for one that has not. */
    public boolean enabled() {
        return owner != null;
    }

    /** The session is stored: its first line, then what its logging does and does not do. */
    public void started(String startLine) {
        if (owner != null) {
            info(startLine);
            SessionLogs.describe(this, configuration);
        }
    }

    /** A line about the session's own life, from Noctua. */
    public void info(String message) {
        if (owner != null) {
            line(clock.instant(), "INFO", "noctua", message, null);
        }
    }

    /** A line about something that went wrong in the session's life, from Noctua. */
    public void warn(String message) {
        if (owner != null) {
            line(clock.instant(), "WARN", "noctua", message, null);
        }
    }

    /** The calculation is the session's: records of threads working for it (its Spark job group) go to this log. */
    public void calculationAccepted(String calculationExecutionId) {
        if (owner != null) {
            owner.attribute(calculationExecutionId, this);
        }
    }

    /**
     * The calculation has ended (its final state is published): its stdout and stderr (null when it wrote none) are
     * copied under {@code calculations/<id>/}, and the driver log is written, soon after, on the logs' own thread.
     */
    public void calculationEnded(String calculationExecutionId, String stdOut, String stdError) {
        if (owner != null) {
            owner.writeCalculation(this, calculationExecutionId, stdOut, stdError);
            owner.writeDriverLog(this);
        }
    }

    /** Writes the driver log soon, as it is then. */
    public void flush() {
        if (owner != null) {
            owner.writeDriverLog(this);
        }
    }

    /** The session has ended: the driver log is written with its last lines, and nothing more is attributed to it. */
    public void ended() {
        if (owner != null) {
            owner.ended(this);
        }
    }

    /** The session was not made after all: nothing is written for it. */
    public void discard() {
        if (owner != null) {
            owner.discard(this);
        }
    }

    String sessionId() {
        return sessionId;
    }

    S3Location folder() {
        return folder;
    }

    S3Location driverLog() {
        return folder.resolve("driver/driver.log");
    }

    S3Location calculationFolder(String calculationExecutionId) {
        return folder.resolve("calculations/" + calculationExecutionId + "/");
    }

    /** Marks a write of the driver log as pending; false if one is pending already (it will take the lines added meanwhile). */
    boolean claimWrite() {
        return writePending.compareAndSet(false, true);
    }

    void writeStarted() {
        writePending.set(false);
    }

    void line(Instant at, String level, String source, String message, Throwable thrown) {
        StringBuilder line = new StringBuilder(64 + message.length())
                .append(TIME.format(at)).append(' ').append(level).append(' ').append(source).append(": ").append(message);
        if (thrown != null) {
            appendTrace(line, thrown);
        }
        line.append('\n');
        String text = line.toString();
        int size = text.getBytes(StandardCharsets.UTF_8).length;
        synchronized (this) {
            lines.addLast(text);
            bytes += size;
            while (bytes > MAX_BYTES && lines.size() > 1) {
                bytes -= lines.removeFirst().getBytes(StandardCharsets.UTF_8).length;
                dropped++;
            }
        }
    }

    private static void appendTrace(StringBuilder line, Throwable thrown) {
        StringWriter trace = new StringWriter();
        thrown.printStackTrace(new PrintWriter(trace));
        String[] traceLines = trace.toString().split("\n");
        for (int i = 0; i < traceLines.length && i < MAX_TRACE_LINES; i++) {
            line.append('\n').append(traceLines[i].stripTrailing());
        }
        if (traceLines.length > MAX_TRACE_LINES) {
            line.append("\n\t... ").append(traceLines.length - MAX_TRACE_LINES).append(" more lines of the stack trace");
        }
    }

    /** The driver log as it is now. */
    synchronized byte[] content() {
        StringBuilder content = new StringBuilder((int) Math.min(bytes + 128, Integer.MAX_VALUE));
        if (dropped > 0) {
            content.append("... ").append(dropped).append(" earlier lines were dropped: the driver log keeps its last ")
                    .append(MAX_BYTES / (1024 * 1024)).append(" MiB\n");
        }
        lines.forEach(content::append);
        return content.toString().getBytes(StandardCharsets.UTF_8);
    }
}
