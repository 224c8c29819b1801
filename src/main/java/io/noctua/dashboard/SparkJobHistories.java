package io.noctua.dashboard;

import io.noctua.concurrent.Threads;
import io.noctua.engine.SparkJobHistory;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * Keeps what Spark did for each calculation ({@link SparkJobHistory}) in the store, for a session's
 * dashboard once Spark's own UI no longer has it: of each session, the latest {@link #CALCULATIONS_KEPT}
 * calculations that ran a Spark job. The engine hands each history over on Spark's listener thread; it
 * is written on a thread of its own, so the listener never waits for the store.
 */
public final class SparkJobHistories implements SparkJobHistory.Sink, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SparkJobHistories.class.getName());
    /** The calculations of a session whose Spark jobs are kept, the latest ones. */
    public static final int CALCULATIONS_KEPT = 100;
    /** Histories waiting to be written; past this many (a store far slower than Spark), new ones are dropped, and logged. */
    private static final int QUEUED_WRITES = 1000;

    private final JobHistoryStore store;
    private final Clock clock;
    private final ThreadPoolExecutor writer;

    public SparkJobHistories(JobHistoryStore store, Clock clock) {
        this.store = requireNonNull(store, "store is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUED_WRITES),
                Threads.daemons("spark-job-history"));
    }

    /** Queues the write of a calculation's history; one that ran no Spark job leaves no row. */
    @Override
    public void calculationEnded(String sessionId, String calculationExecutionId, SparkJobHistory jobs) {
        if (jobs.ranNoJob()) {
            return;
        }
        try {
            writer.execute(() -> {
                try {
                    store.insert(sessionId, calculationExecutionId, clock.instant(), jobs, CALCULATIONS_KEPT);
                }
                catch (RuntimeException e) {
                    LOG.warning("the Spark jobs of calculation " + calculationExecutionId + " could not be kept: " + e.getMessage());
                }
            });
        }
        catch (RejectedExecutionException e) {
            LOG.warning("the Spark jobs of calculation " + calculationExecutionId + " were not kept: "
                    + (writer.isShutdown() ? "the server is stopping" : QUEUED_WRITES + " histories are waiting for the store"));
        }
    }

    /** The kept histories of a session's calculations, by calculation id. */
    public Map<String, SparkJobHistory> ofSession(String sessionId) {
        return store.ofSession(sessionId);
    }

    /** Writes what is queued (for at most {@code wait}), then takes no more. */
    public void close(Duration wait) {
        if (!Threads.drain(writer, wait)) {
            LOG.warning("some calculations' Spark jobs were not kept: the store did not take them within " + wait.toSeconds() + " s");
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
