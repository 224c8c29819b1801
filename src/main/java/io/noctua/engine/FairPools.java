package io.noctua.engine;

import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.Pool;
import org.apache.spark.scheduler.Schedulable;
import org.apache.spark.scheduler.SchedulingMode;
import org.apache.spark.scheduler.TaskScheduler;

/**
 * Spark FAIR scheduler pools, one per Athena session (named after the session) and one for the SQL API's
 * queries, so that one session's heavy job does not hold back another session's small one: when a task
 * slot frees, Spark offers it to the pool that runs the fewest tasks for its weight.
 * <p>
 * A pool's weight is its session's MaxConcurrentDpus, so a session that may use more capacity gets a
 * proportionally larger share when sessions contend; its minimum share is one task, so a session whose
 * jobs run no task yet comes first. Spark 3.5's pools have no maximum share: MaxConcurrentDpus cannot
 * cap what a session's jobs occupy (README, "Running on a Spark cluster").
 * <p>
 * Spark makes pools from a file at start; these are made as sessions start instead, through the
 * scheduler's root pool ({@code private[spark]} in Scala, public in bytecode). The root pool is changed
 * under the task scheduler's lock, which Spark holds when it adds task sets to pools and when it offers
 * task slots, so a pool never appears or goes half-way through either. Jobs name their pool with the
 * thread-local property {@link #POOL_PROPERTY}; a job naming a pool that does not exist (one a session
 * removed) gets a new pool of weight 1 from Spark, as a job with an unknown pool name always does.
 */
final class FairPools {
    /** The local property that names the pool of the jobs a thread starts. */
    static final String POOL_PROPERTY = "spark.scheduler.pool";
    /** The pool of the SQL API's queries: one for all, weighted as a session with Athena's default MaxConcurrentDpus. */
    static final String QUERY_POOL = "athena-sql-queries";
    static final int QUERY_POOL_WEIGHT = 20;
    private static final int MIN_SHARE = 1;

    private final SparkContext context;

    FairPools(SparkContext context) {
        this.context = context;
    }

    /** Whether the context schedules jobs FAIR (spark.scheduler.mode); in FIFO mode pools mean nothing and none is made. */
    boolean enabled() {
        return context.getSchedulingMode() == SchedulingMode.FAIR();
    }

    /** Makes the pool {@code name} with {@code weight} (at least 1), unless it exists. */
    void ensure(String name, int weight) {
        if (!enabled()) {
            return;
        }
        TaskScheduler scheduler = context.taskScheduler();
        synchronized (scheduler) {
            Pool root = scheduler.rootPool();
            if (root.getSchedulableByName(name) == null) {
                root.addSchedulable(new Pool(name, SchedulingMode.FAIR(), MIN_SHARE, Math.max(1, weight)));
            }
        }
    }

    /**
     * Removes the pool {@code name} when it holds no job any more. A pool that still holds one (a job whose
     * cancellation has not finished yet) stays: outside the root pool its tasks would never be offered a slot.
     */
    void remove(String name) {
        if (!enabled()) {
            return;
        }
        TaskScheduler scheduler = context.taskScheduler();
        synchronized (scheduler) {
            Pool root = scheduler.rootPool();
            Schedulable pool = root.getSchedulableByName(name);
            if (pool instanceof Pool p && p.schedulableQueue().isEmpty() && p.runningTasks() == 0) {
                root.removeSchedulable(pool);
            }
        }
    }

    /** The weight of the pool {@code name}, or 0 if there is none: for tests. */
    int weight(String name) {
        TaskScheduler scheduler = context.taskScheduler();
        synchronized (scheduler) {
            Schedulable pool = scheduler.rootPool().getSchedulableByName(name);
            return pool == null ? 0 : pool.weight();
        }
    }
}
