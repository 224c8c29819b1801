package io.noctua;

import io.noctua.testing.Athena;
import io.noctua.testing.Pyspark;
import io.noctua.testing.ServerExtension;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.Schedulable;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.CalculationStatus;
import software.amazon.awssdk.services.athena.model.SessionState;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Sessions sharing one driver are fair to each other: each session's jobs run in a FAIR scheduler pool of its
 * own, weighted by its MaxConcurrentDpus, whether they come from a {@code %%sql} cell or from PySpark on a Py4J
 * thread, and the SQL API's queries in a pool of theirs; so one session's long job does not hold back another
 * session's small query. On the suite's shared local[2] engine, which takes the server's scheduler settings.
 */
class FairSessionsTest {
    /**
     * A long job of many short tasks that hold the task slots without taking the driver's CPU: 3,000 tasks that each sleep
     * 20 ms keep both slots busy for about 30 s (the test stops it once it has measured). What is tested is the order in
     * which Spark hands out slots; the CPU is the operating system's to share. So the tasks write no shuffle output: as the
     * map side of a count, the same tasks took about a core of this machine's two (task set-up, shuffle files, GC) and
     * slowed SELECT 1 by 1.7-1.8x through the CPU alone. A scan whose rows never match, read as {@code .show()} reads, runs
     * one task and then, with this scale-up factor, one job of all the others. Spark does not preempt a running task: a job
     * of another session waits for a slot, up to one task's length per stage. Shorter tasks cost the driver more.
     */
    private static final int TASK_MILLIS = 20;
    private static final String LONG_JOB = "%%sql\nSET spark.sql.limit.scaleUpFactor=1000000;\n" + sleepingTasks(3000, TASK_MILLIS);
    /** A small query of two stages, a task or two each: unlike {@code SELECT 1}, it needs task slots. */
    private static final String SMALL_JOB = "%%sql\nSELECT count(*) AS n FROM range(0, 1000, 1, 2)";
    private static final int SMALL_JOB_STAGES = 2;

    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private final AthenaClient athena = running.client();
    /** The pool each job group's jobs ran in, as Spark saw them start. */
    private final Map<String, List<String>> pools = new ConcurrentHashMap<>();
    private final SparkListener listener = new SparkListener() {
        @Override
        public void onJobStart(SparkListenerJobStart event) {
            String group = event.properties().getProperty("spark.jobGroup.id");
            if (group != null) {
                String pool = event.properties().getProperty("spark.scheduler.pool", "(none)");
                pools.computeIfAbsent(group, g -> Collections.synchronizedList(new ArrayList<>())).add(pool);
            }
        }
    };

    private static SparkContext context() {
        return SparkContext.getOrCreate(); // the shared engine's, the JVM's only one
    }

    @BeforeEach
    void listen() {
        context().addSparkListener(listener);
    }

    @AfterEach
    void stopListening() {
        context().removeSparkListener(listener);
    }

    @Test
    void theSchedulerIsFairAndEachSessionHasAPoolWeightedByItsMaxConcurrentDpus() {
        assertEquals("FAIR", context().getSchedulingMode().toString());
        String sessionId = athena.startSession(r -> r.workGroup(Athena.SPARK_WORK_GROUP).engineConfiguration(e -> e.maxConcurrentDpus(7)))
                .sessionId();
        Athena.awaitSession(athena, sessionId, SessionState.IDLE);
        Schedulable pool = context().taskScheduler().rootPool().getSchedulableByName(sessionId);
        assertEquals(7, pool.weight());
        assertEquals(1, pool.minShare());
        assertEquals("FAIR", pool.schedulingMode().toString());

        athena.terminateSession(r -> r.sessionId(sessionId));
        Athena.await(() -> context().taskScheduler().rootPool().getSchedulableByName(sessionId) == null,
                "the ended session's pool to be removed", Duration.ofSeconds(10));
    }

    @Test
    void sqlCellsAndQueriesRunTheirJobsInTheirPools() {
        String sessionId = Athena.startIdleSession(athena);
        String sql = running.server().runCompleted(sessionId, SMALL_JOB).calculationExecutionId();
        assertEquals(List.of(sessionId), jobPools(sql));

        String query = Athena.querySucceeded(athena, "SELECT count(*) AS n FROM range(0, 1000, 1, 2)").queryExecutionId();
        assertEquals(List.of("athena-sql-queries"), jobPools(query));
    }

    @Test
    void pysparkJobsRunInTheSessionsPool() {
        assumeTrue(Pyspark.missing() == null, () -> "skipped: " + Pyspark.missing());
        String sessionId = Athena.startIdleSession(athena);
        String python = running.server().runCompleted(sessionId, "spark.sql('SELECT count(*) FROM range(0, 10, 1, 2)').collect()")
                .calculationExecutionId();
        // PySpark's jobs start on the Py4J thread pinned to the cell's Python thread, not on the calculation's
        assertEquals(List.of(sessionId), jobPools(python));
    }

    /** A query whose {@code tasks} tasks each sleep {@code millis} ms and return no row. */
    private static String sleepingTasks(int tasks, int millis) {
        return "SELECT s FROM (SELECT reflect('java.lang.Thread', 'sleep', cast(" + millis + " as bigint)) AS s FROM range(0, " + tasks
                + ", 1, " + tasks + ")) WHERE s = 'never'";
    }

    /** The pools of the jobs of a calculation or query (its job group), once Spark's listener bus has delivered them. */
    private List<String> jobPools(String group) {
        Athena.await(() -> pools.containsKey(group), "the jobs of " + group + " to be seen", Duration.ofSeconds(10));
        return pools.get(group).stream().distinct().toList();
    }

    @Test
    void anotherSessionsLongJobDoesNotHoldBackASmallQuery() {
        String busy = Athena.startIdleSession(athena);
        String small = Athena.startIdleSession(athena);
        // warm what both phases run, so that the JIT compiler's work (a whole core of this machine, in a young JVM) falls in
        // neither: the small queries, and the long job's kind of task, 400 of them
        running.server().runCompleted(busy, "%%sql\nSET spark.sql.limit.scaleUpFactor=1000000;\n" + sleepingTasks(400, 1));
        for (int i = 0; i < 10; i++) {
            running.server().runCompleted(small, SMALL_JOB);
            running.server().runCompleted(small, "%%sql\nSELECT 1");
        }
        long idleJob = medianMillis(small, SMALL_JOB);
        long idleSelect1 = medianMillis(small, "%%sql\nSELECT 1");

        String longJob = Athena.startCalculation(athena, busy, LONG_JOB);
        Athena.awaitCalculationState(athena, longJob, CalculationExecutionState.RUNNING);
        Athena.sleep(1000); // its tasks now hold both task slots
        long busyJob = medianMillis(small, SMALL_JOB);
        long busySelect1 = medianMillis(small, "%%sql\nSELECT 1");
        String stillRunning = athena.getCalculationExecutionStatus(r -> r.calculationExecutionId(longJob)).status().state().toString();
        String measured = "idle: small job " + idleJob + " ms, SELECT 1 " + idleSelect1 + " ms; beside the long job: small job "
                + busyJob + " ms, SELECT 1 " + busySelect1 + " ms";
        System.out.println(measured);
        // in FIFO order the first small query waits until the long job ends (about 30 s; checked with spark.scheduler.mode=FIFO)
        assertEquals("RUNNING", stillRunning, "the long job ended before the small queries were measured: " + measured);
        Athena.assertStopCancels(athena, busy, longJob);
        // SELECT 1 runs no Spark job (LiteralSelects): beside the long job it loses only the CPU that job takes from the driver.
        // The small job runs two stages, and Spark does not preempt a running task: each stage may first wait for one of the
        // long job's tasks to end.
        assertTrue(busySelect1 <= 2 * idleSelect1, measured);
        assertTrue(busyJob <= 2 * idleJob + SMALL_JOB_STAGES * TASK_MILLIS, measured);
    }

    /**
     * The median latency of eleven runs of {@code code} in {@code sessionId}: from its submission to its completion, as the
     * calculation's status gives them. Not as the client sees it: the client's polling adds up to a poll interval (20 ms)
     * to each run, noise as large as the effect measured on a query this small.
     */
    private long medianMillis(String sessionId, String code) {
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            CalculationStatus status = running.server().runCompleted(sessionId, code).status();
            times.add(Duration.between(status.submissionDateTime(), status.completionDateTime()).toMillis());
        }
        Collections.sort(times);
        return times.get(times.size() / 2);
    }
}
