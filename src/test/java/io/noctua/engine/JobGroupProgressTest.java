package io.noctua.engine;

import io.noctua.engine.JobGroupProgress.PlannedRows;
import io.noctua.engine.JobGroupProgress.StageTasks;
import org.apache.spark.executor.ExecutorMetrics;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.JobSucceeded$;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.scheduler.TaskInfo;
import org.apache.spark.scheduler.TaskLocality;
import org.apache.spark.sql.execution.SparkPlanInfo;
import org.apache.spark.sql.execution.metric.SQLMetricInfo;
import org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd;
import org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart;
import org.apache.spark.util.AccumulatorV2;
import org.junit.jupiter.api.Test;
import scala.Option;
import scala.Tuple4;
import scala.jdk.javaapi.CollectionConverters;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobGroupProgressTest {
    private long now = 1_000_000;
    private final JobGroupProgress progress = new JobGroupProgress(() -> now);

    private int percent() {
        String described = progress.describe(false);
        return Integer.parseInt(described.substring(0, described.indexOf('%')));
    }

    private void taskEnded(int stageId, long taskId, long launch, long finish, long recordsRead) {
        progress.taskEnded(stageId, taskId, true, launch, finish, recordsRead, 0);
    }

    @Test
    void oneJobCarriesTheProgressHalfWayUntilTheCalculationCompletes() {
        assertEquals("0% (no Spark job started yet)", progress.describe(false));

        progress.jobStarted(1, List.of(new StageTasks(1, 4)));
        progress.stageSubmitted(1);
        assertEquals("0% (0/4 tasks, 0/1 stages, 0/1 jobs)", progress.describe(false));
        taskEnded(1, 1, now, now, 0);
        taskEnded(1, 2, now, now, 0);
        // half the known work of one job: a quarter of the way, the calculation may start another job as big
        assertEquals("24% (2/4 tasks, 0/1 stages, 0/1 jobs)", progress.describe(false));

        taskEnded(1, 3, now, now, 0);
        taskEnded(1, 4, now, now, 0);
        progress.stageCompleted(1, true);
        progress.jobEnded(1);
        assertEquals("49% (4/4 tasks, 1/1 stages, 1/1 jobs)", progress.describe(false));
        assertEquals("100% (4/4 tasks, 1/1 stages, 1/1 jobs)", progress.describe(true));
    }

    @Test
    void aFinishedFirstJobIsNot99AndTheNextJobClimbsOnFromWhereProgressStands() {
        progress.jobStarted(1, List.of(new StageTasks(1, 2)));
        progress.stageSubmitted(1);
        taskEnded(1, 1, now, now, 0);
        taskEnded(1, 2, now, now, 0);
        progress.stageCompleted(1, true);
        progress.jobEnded(1);
        assertEquals("49% (2/2 tasks, 1/1 stages, 1/1 jobs)", progress.describe(false));

        progress.jobStarted(2, List.of(new StageTasks(2, 12)));
        assertEquals("49% (2/14 tasks, 1/2 stages, 1/2 jobs)", progress.describe(false), "a new job does not move progress back");
        progress.stageSubmitted(2);
        for (int task = 0; task < 6; task++) {
            taskEnded(2, 10 + task, now, now, 0);
        }
        // half of the second job's work: from 49.5 half the way to the new ceiling of 66
        assertEquals("57% (8/14 tasks, 1/2 stages, 1/2 jobs)", progress.describe(false));
        for (int task = 6; task < 12; task++) {
            taskEnded(2, 10 + task, now, now, 0);
        }
        progress.stageCompleted(2, true);
        progress.jobEnded(2);
        assertEquals("66% (14/14 tasks, 2/2 stages, 2/2 jobs)", progress.describe(false));
    }

    @Test
    void runningTasksCountByTheRecordsTheyReadAgainstWhatFinishedTasksOfTheirStageRead() {
        progress.jobStarted(1, List.of(new StageTasks(1, 4)));
        progress.stageSubmitted(1);
        progress.taskStarted(1, 1, now);
        progress.taskStarted(1, 2, now);
        taskEnded(1, 1, now, now + 1000, 1000);
        progress.taskMetrics(1, 2, 500, null);
        // 1 task + half a task of 4: 0.375 of 49.5
        assertEquals("18% (1/4 tasks, 0/1 stages, 0/1 jobs)", progress.describe(false));

        progress.taskMetrics(1, 2, 5000, null);
        // a running task counts for at most 0.9 of a task: 1.9 of 4
        assertEquals("23% (1/4 tasks, 0/1 stages, 0/1 jobs)", progress.describe(false));
    }

    @Test
    void aRangeScanMovesBeforeAnyOfItsTasksEnds() {
        progress.jobStarted(1, List.of(new StageTasks(1, 2)));
        progress.stageSubmitted(1);
        progress.taskStarted(1, 1, now);
        progress.taskStarted(1, 2, now);
        assertEquals(0, percent());
        progress.taskMetrics(1, 1, 2_500_000_000L, new PlannedRows(2_500_000_000L, 20_000_000_000L, 2));
        progress.taskMetrics(1, 2, 5_000_000_000L, new PlannedRows(5_000_000_000L, 20_000_000_000L, 2));
        // a quarter and a half of a task of 10^10 rows each: 0.375 of 49.5
        assertEquals("18% (0/2 tasks, 0/1 stages, 0/1 jobs)", progress.describe(false));
    }

    @Test
    void aTaskReadingSeveralSplitsOfARangeIsMeasuredAgainstItsWholeShare() {
        progress.jobStarted(1, List.of(new StageTasks(1, 1)));
        progress.stageSubmitted(1);
        progress.taskStarted(1, 1, now);
        // coalesce(1) over a Range of 4 splits: the one task reads all 4000 rows
        progress.taskMetrics(1, 1, 1000, new PlannedRows(1000, 4000, 4));
        assertEquals("12% (0/1 tasks, 0/1 stages, 0/1 jobs)", progress.describe(false));
    }

    @Test
    void aReduceTaskIsMeasuredAgainstWhatTheMapStageWroteBeforeAnyReduceTaskEnds() {
        progress.jobStarted(1, List.of(new StageTasks(1, 2, List.of(), 0), new StageTasks(2, 2, List.of(1), -1)));
        progress.stageSubmitted(1);
        progress.taskEnded(1, 1, true, now, now, 50, 100);
        progress.taskEnded(1, 2, true, now, now, 50, 100);
        progress.stageCompleted(1, true);
        progress.stageSubmitted(2);
        progress.taskStarted(2, 3, now);
        progress.taskStarted(2, 4, now);
        progress.taskMetrics(2, 3, 50, null);
        progress.taskMetrics(2, 4, 0, null);
        // 2 tasks + half of a reduce task (100 of 200 records spread over 2 tasks): 2.5 of 4
        assertEquals("30% (2/4 tasks, 1/2 stages, 0/1 jobs)", progress.describe(false));
    }

    @Test
    void withoutRecordsARunningTaskCountsByItsTimeAgainstTheFinishedTasksOfItsStage() {
        progress.jobStarted(1, List.of(new StageTasks(1, 3)));
        progress.stageSubmitted(1);
        progress.taskStarted(1, 1, now);
        taskEnded(1, 1, now, now + 1000, 0);
        now += 1000;
        progress.taskStarted(1, 2, now);
        now += 500;
        // 1 task + half of one (500 of the 1000 ms a task took): 0.5 of 49.5
        assertEquals(24, percent());
        now += 5000;
        // but never more than 0.9 of a task while it runs
        assertEquals((int) (49.5 * 1.9 / 3), percent());
    }

    @Test
    void aStageThatAnotherJobAlreadyAnnouncedCountsOnce() {
        progress.jobStarted(1, List.of(new StageTasks(1, 2, List.of(), 0), new StageTasks(2, 1, List.of(1), -1)));
        progress.stageSubmitted(1);
        progress.jobStarted(2, List.of(new StageTasks(1, 2, List.of(), 0), new StageTasks(3, 1, List.of(1), -1)));
        assertEquals("0% (0/4 tasks, 0/3 stages, 0/2 jobs)", progress.describe(false));
    }

    @Test
    void stagesAJobSkipsLeaveTheTotalsWhenTheStageReadingThemIsSubmitted() {
        // adaptive execution: one job runs a shuffle map stage, the next one reads it through a new stage it skips
        progress.jobStarted(1, List.of(new StageTasks(1, 2, List.of(), 0)));
        progress.stageSubmitted(1);
        taskEnded(1, 1, now, now, 10);
        taskEnded(1, 2, now, now, 10);
        progress.stageCompleted(1, true);
        progress.jobEnded(1);
        progress.jobStarted(2, List.of(new StageTasks(2, 2, List.of(), 0), new StageTasks(3, 1, List.of(2), -1)));
        assertEquals("49% (2/5 tasks, 1/3 stages, 1/2 jobs)", progress.describe(false));

        progress.stageSubmitted(3);
        assertEquals("49% (2/3 tasks, 1/2 stages, 1/2 jobs)", progress.describe(false));
        taskEnded(3, 3, now, now, 2);
        progress.stageCompleted(3, true);
        progress.jobEnded(2);
        assertEquals("66% (3/3 tasks, 2/2 stages, 2/2 jobs)", progress.describe(false));
        assertEquals("100% (3/3 tasks, 2/2 stages, 2/2 jobs)", progress.describe(true));
    }

    @Test
    void failedTasksAndStagesAreNotDone() {
        progress.jobStarted(1, List.of(new StageTasks(1, 2)));
        progress.stageSubmitted(1);
        progress.taskEnded(1, 1, false, now, now + 100, 0, 0);
        progress.stageCompleted(1, false);
        assertEquals("0% (0/2 tasks, 0/1 stages, 0/1 jobs)", progress.describe(false));
    }

    @Test
    void progressNeverGoesBackAndStaysBelow99WhateverSparkReports() {
        for (long seed = 1; seed <= 200; seed++) {
            Random random = new Random(seed);
            JobGroupProgress subject = new JobGroupProgress(() -> now);
            List<String> seen = new ArrayList<>();
            int previous = 0;
            int nextStage = 1;
            long nextTask = 1;
            for (int job = 1; job <= 1 + random.nextInt(5); job++) {
                List<StageTasks> stages = new ArrayList<>();
                int first = nextStage;
                int count = 1 + random.nextInt(3);
                for (int i = 0; i < count; i++, nextStage++) {
                    List<Integer> parents = nextStage == first ? List.of() : List.of(nextStage - 1);
                    stages.add(new StageTasks(nextStage, 1 + random.nextInt(8), parents, i < count - 1 ? nextStage : -1));
                }
                subject.jobStarted(job, stages);
                for (StageTasks stage : stages) {
                    if (random.nextInt(4) == 0 && stage.stageId() != stages.get(stages.size() - 1).stageId()) {
                        continue; // skipped
                    }
                    subject.stageSubmitted(stage.stageId());
                    for (int task = 0; task < stage.tasks(); task++) {
                        long taskId = nextTask++;
                        subject.taskStarted(stage.stageId(), taskId, now);
                        for (int beat = random.nextInt(4); beat > 0; beat--) {
                            now += random.nextInt(500);
                            subject.taskMetrics(stage.stageId(), taskId, random.nextInt(2000),
                                    random.nextBoolean() ? null : new PlannedRows(random.nextInt(3000), 1000 + random.nextInt(5000), 1 + random.nextInt(4)));
                            int shown = percentOf(subject.describe(false));
                            seen.add(shown + "");
                            assertTrue(shown >= previous && shown < 99, "seed " + seed + ": " + seen);
                            previous = shown;
                        }
                        now += random.nextInt(1000);
                        subject.taskEnded(stage.stageId(), taskId, random.nextInt(10) > 0, now - 100, now, random.nextInt(3000), random.nextInt(100));
                        int shown = percentOf(subject.describe(false));
                        seen.add(shown + "");
                        assertTrue(shown >= previous && shown < 99, "seed " + seed + ": " + seen);
                        previous = shown;
                    }
                    subject.stageCompleted(stage.stageId(), true);
                }
                subject.jobEnded(job);
            }
            assertTrue(subject.describe(true).startsWith("100% ("));
        }
    }

    private static int percentOf(String described) {
        return Integer.parseInt(described.substring(0, described.indexOf('%')));
    }

    @Test
    void dpuTimeIsTheCoordinatorsWallTimePlusEveryTasksTimeSoFar() {
        long start = now;
        assertEquals(1, progress.dpuMillis(Instant.ofEpochMilli(start)), "at least 1, also before the run starts");
        progress.runStarted(Instant.ofEpochMilli(start));
        progress.runStarted(Instant.ofEpochMilli(start + 5000)); // only the first start counts
        assertEquals(1000, progress.dpuMillis(Instant.ofEpochMilli(start + 1000)));

        progress.jobStarted(1, List.of(new StageTasks(1, 2)));
        progress.stageSubmitted(1);
        progress.taskStarted(1, 1, start + 1000);
        progress.taskStarted(1, 2, start + 1500);
        assertEquals(3000 + 2000 + 1500, progress.dpuMillis(Instant.ofEpochMilli(start + 3000)), "running tasks count from their launch");
        assertEquals(3499 + 2499 + 1999, progress.dpuMillis(Instant.ofEpochMilli(start + 3499)));

        progress.taskEnded(1, 1, true, start + 1000, start + 3500, 0, 0);
        assertEquals(3500 + 2500 + 2000, progress.dpuMillis(Instant.ofEpochMilli(start + 3500)), "no jump when a task ends");
        assertEquals(4000 + 2500 + 2500, progress.dpuMillis(Instant.ofEpochMilli(start + 4000)));
    }

    @Test
    void dpuTimeNeverGoesBackWhenATaskEndIsReportedLate() {
        long start = now;
        progress.runStarted(Instant.ofEpochMilli(start));
        progress.jobStarted(1, List.of(new StageTasks(1, 1)));
        progress.stageSubmitted(1);
        progress.taskStarted(1, 1, start);
        // the task ended at +1000, but the listener hears of it only after a poll at +1200
        long polled = progress.dpuMillis(Instant.ofEpochMilli(start + 1200));
        assertEquals(2400, polled);
        progress.taskEnded(1, 1, true, start, start + 1000, 0, 0);
        assertEquals(polled, progress.dpuMillis(Instant.ofEpochMilli(start + 1300)), "held, not lowered");
        assertEquals(2000 + 1000, progress.dpuMillis(Instant.ofEpochMilli(start + 2000)));
    }

    @Test
    void aFailedOrKilledTaskIsStillDpuTime() {
        progress.runStarted(Instant.ofEpochMilli(now));
        progress.jobStarted(1, List.of(new StageTasks(1, 1)));
        progress.taskStarted(1, 1, now);
        progress.taskEnded(1, 1, false, now, now + 700, 0, 0);
        assertEquals(700, progress.dpuMillis(Instant.ofEpochMilli(now)));
    }

    @Test
    void aFinishedCalculationWithoutSparkJobsSaysSo() {
        assertEquals("100% (no Spark job was needed)", new JobGroupProgress().describe(true));
    }

    @Test
    void rangeSizesFromSparkPlans() {
        assertArrayEquals(new long[] {20_000_000_000L, 2}, JobGroupTracker.rangeSize("Range (0, 20000000000, step=1, splits=2)"));
        assertArrayEquals(new long[] {4, 3}, JobGroupTracker.rangeSize("Range (1, 11, step=3, splits=3)"));
        assertArrayEquals(new long[] {5, 1}, JobGroupTracker.rangeSize("Range (10, 0, step=-2, splits=1)"));
        assertNull(JobGroupTracker.rangeSize("Range (0, 10, step=-1, splits=1)"));
        assertNull(JobGroupTracker.rangeSize("Range (0, 10, step=1, splits=None)"));
        assertNull(JobGroupTracker.rangeSize("Project [id#0L]"));
    }

    /** The tracker reads Spark's own listener events: a Range scan of two tasks, measured by heartbeats. */
    @Test
    void theTrackerFollowsSparksListenerEvents() {
        JobGroupTracker tracker = new JobGroupTracker(null);
        JobGroupProgress tracked = tracker.track("calc-1");
        tracked.runStarted(Instant.now().minusMillis(2000));

        long rowsMetric = 9_001;
        SparkPlanInfo range = new SparkPlanInfo("Range", "Range (0, 2000, step=1, splits=2)", seq(List.of()), scala.collection.immutable.Map$.MODULE$.empty(),
                seq(List.of(new SQLMetricInfo("number of output rows", rowsMetric, "sum"))));
        tracker.onOtherEvent(new SparkListenerSQLExecutionStart(7, Option.empty(), "q", "", "", range, 0,
                scala.collection.immutable.Map$.MODULE$.empty(), scala.collection.immutable.Set$.MODULE$.empty()));

        TaskMetrics stageMetrics = TaskMetrics.empty();
        StageInfo stage = new StageInfo(3, 0, "scan", 2, seq(List.of()), seq(List.of()), "", stageMetrics, seq(List.of()), Option.empty(), 0, false, 0);
        Properties properties = new Properties();
        properties.setProperty("spark.jobGroup.id", "calc-1");
        tracker.onJobStart(new SparkListenerJobStart(5, 0, seq(List.of(stage)), properties));
        tracker.onStageSubmitted(new SparkListenerStageSubmitted(stage, properties));
        long launched = System.currentTimeMillis() - 1000;
        TaskInfo first = new TaskInfo(100, 0, 0, 0, launched, "driver", "localhost", TaskLocality.PROCESS_LOCAL(), false);
        TaskInfo second = new TaskInfo(101, 1, 0, 1, launched, "driver", "localhost", TaskLocality.PROCESS_LOCAL(), false);
        tracker.onTaskStart(new SparkListenerTaskStart(3, 0, first));
        tracker.onTaskStart(new SparkListenerTaskStart(3, 0, second));
        assertEquals("0% (0/2 tasks, 0/1 stages, 0/1 jobs)", tracked.describe(false));
        long dpuBeforeHeartbeat = tracked.dpuMillis(Instant.now());
        assertTrue(dpuBeforeHeartbeat >= 2000 + 2 * 1000, "running tasks are DPU time: " + dpuBeforeHeartbeat);

        // heartbeats name Spark's internal metrics only by id
        long recordsRead = accumulatorId(stageMetrics, "internal.metrics.input.recordsRead");
        tracker.onExecutorMetricsUpdate(heartbeat(100, 3, List.of(accumulable(rowsMetric, "number of output rows", 500), accumulable(recordsRead, null, 500),
                accumulable(rowsMetric + 1, "duration", 12))));
        tracker.onExecutorMetricsUpdate(heartbeat(101, 3, List.of(accumulable(recordsRead, null, 250), accumulable(rowsMetric, "number of output rows", 250))));
        // half and a quarter of a task of 1000 rows each: 0.375 of 49.5
        assertEquals("18% (0/2 tasks, 0/1 stages, 0/1 jobs)", tracked.describe(false));

        first.finishTime_$eq(System.currentTimeMillis());
        tracker.onTaskEnd(new SparkListenerTaskEnd(3, 0, "ResultTask", org.apache.spark.Success$.MODULE$, first,
                new ExecutorMetrics(), TaskMetrics.empty()));
        assertEquals("30% (1/2 tasks, 0/1 stages, 0/1 jobs)", tracked.describe(false));
        second.finishTime_$eq(System.currentTimeMillis());
        tracker.onTaskEnd(new SparkListenerTaskEnd(3, 0, "ResultTask", org.apache.spark.Success$.MODULE$, second,
                new ExecutorMetrics(), TaskMetrics.empty()));
        stage.completionTime_$eq(Option.apply(System.currentTimeMillis()));
        tracker.onStageCompleted(new SparkListenerStageCompleted(stage));
        tracker.onJobEnd(new SparkListenerJobEnd(5, 0, JobSucceeded$.MODULE$));
        tracker.onOtherEvent(new SparkListenerSQLExecutionEnd(7, 0, Option.empty()));
        assertEquals("49% (2/2 tasks, 1/1 stages, 1/1 jobs)", tracked.describe(false));
        assertTrue(tracked.dpuMillis(Instant.now()) >= dpuBeforeHeartbeat);

        // a job of a group the tracker does not follow changes nothing
        Properties other = new Properties();
        other.setProperty("spark.jobGroup.id", "someone-else");
        tracker.onJobStart(new SparkListenerJobStart(6, 0, seq(List.of()), other));
        tracker.untrack("calc-1");
        tracker.onTaskStart(new SparkListenerTaskStart(3, 0, new TaskInfo(102, 2, 0, 2, launched, "driver", "localhost", TaskLocality.PROCESS_LOCAL(), false)));
        assertEquals("49% (2/2 tasks, 1/1 stages, 1/1 jobs)", tracked.describe(false));
    }

    private static <T> scala.collection.immutable.Seq<T> seq(List<T> items) {
        return CollectionConverters.asScala(items).toList();
    }

    private static long accumulatorId(TaskMetrics metrics, String name) {
        for (AccumulatorV2<?, ?> accumulator : CollectionConverters.asJava(metrics.accumulators())) {
            if (accumulator.name().isDefined() && accumulator.name().get().equals(name)) {
                return accumulator.id();
            }
        }
        throw new AssertionError("no accumulator " + name);
    }

    private static AccumulableInfo accumulable(long id, String name, long update) {
        return new AccumulableInfo(id, Option.apply(name), Option.apply(update), Option.empty(), name == null, false, Option.empty());
    }

    private static SparkListenerExecutorMetricsUpdate heartbeat(long taskId, int stageId, List<AccumulableInfo> updates) {
        Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>> update = new Tuple4<>(taskId, stageId, 0, seq(updates));
        return new SparkListenerExecutorMetricsUpdate("driver", seq(List.of(update)), scala.collection.immutable.Map$.MODULE$.empty());
    }
}
