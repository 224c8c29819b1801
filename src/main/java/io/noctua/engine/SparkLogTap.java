package io.noctua.engine;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;

import java.time.Instant;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * Spark's own log records (and those of the libraries that log through log4j2: Hadoop, Hive, Iceberg, Delta), handed to a
 * {@link SparkLogListener} with the Spark job group of the thread that logged them. Records pass at the level the server logs
 * them (WARN, from {@code log4j2.properties}, unless {@code %set_log_level} changed Spark's root level): nothing is made
 * more verbose for this.
 * <p>
 * The job group of a thread is what says which work a record is about: {@code spark.jobGroup.id} of the thread's Spark
 * local properties (the thread that runs a calculation's {@code %%sql}, the Py4J thread of its Python cell), or of the
 * task a thread runs (in local mode, tasks run on the driver's threads). Records of Spark's shared threads (the
 * scheduler's, the listener bus's) have no job group.
 */
final class SparkLogTap extends AbstractAppender {
    private static final Logger LOG = Logger.getLogger(SparkLogTap.class.getName());
    private static final String JOB_GROUP = "spark.jobGroup.id";

    private final Supplier<SparkContext> context;
    private final SparkLogListener listener;

    private SparkLogTap(Supplier<SparkContext> context, SparkLogListener listener) {
        super("noctua-session-logs-" + UUID.randomUUID(), null, null, true, Property.EMPTY_ARRAY);
        this.context = requireNonNull(context, "context is null");
        this.listener = requireNonNull(listener, "listener is null");
    }

    /**
     * Adds a tap to log4j2's root logger; closing it removes it. Where log4j2's core does not run (another logging
     * back end was bound), nothing is tapped, and that is logged once.
     */
    static AutoCloseable install(Supplier<SparkContext> context, SparkLogListener listener) {
        if (!(LogManager.getContext(false) instanceof LoggerContext logging)) {
            LOG.warning("log4j2's core is not Spark's logging back end here: Spark's log records go to no session's driver log");
            return () -> { };
        }
        SparkLogTap tap = new SparkLogTap(context, listener);
        tap.start();
        Configuration configuration = logging.getConfiguration();
        // no level of its own: the tap sees what the root logger passes, so nothing is logged that was not already
        configuration.getRootLogger().addAppender(tap, null, null);
        logging.updateLoggers();
        return () -> {
            LoggerConfig root = logging.getConfiguration().getRootLogger();
            root.removeAppender(tap.getName());
            logging.updateLoggers();
            tap.stop();
        };
    }

    /** The Spark job group of the calling thread: its task's, or the thread's own; null if it has none. */
    static String jobGroupOfThisThread(SparkContext context) {
        TaskContext task = TaskContext.get();
        if (task != null) {
            return task.getLocalProperty(JOB_GROUP);
        }
        return context == null ? null : context.getLocalProperty(JOB_GROUP);
    }

    @Override
    public void append(LogEvent event) {
        if (!listener.listening()) {
            return;
        }
        try {
            String group = jobGroupOfThisThread(context.get());
            if (group != null) {
                listener.record(group, Instant.ofEpochMilli(event.getTimeMillis()), event.getLevel().name(), event.getLoggerName(),
                        event.getMessage().getFormattedMessage(), event.getThrown());
            }
        }
        catch (RuntimeException e) { // a log record must never fail the code that logged it
            LOG.fine(() -> "a Spark log record could not be handed on: " + e);
        }
    }
}
