package io.noctua.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

import static java.util.Objects.requireNonNull;

/**
 * What Spark has done for one job group (one calculation): its jobs, stages and tasks, how far its
 * running tasks have got, and the DPU time it has used. Fed by {@link JobGroupTracker} from the
 * listener bus thread, read by status calls; every method is synchronized on this small object.
 * The rules are those of docs/statistics.md:
 * <ul>
 * <li>{@link #describe} gives {@code Statistics.Progress}. The work Spark has announced (the tasks of
 * the stages of the jobs started so far, less the stages a job skips) is done in task units: a
 * finished task counts 1, a running one what it has read of what it is expected to read (or, failing
 * that, its time against its stage's finished tasks), at most {@value #RUNNING_TASK_SHARE}. The
 * calculation may start more jobs, so after {@code J}
 * jobs the known work may carry the percentage only to {@code 99 * J / (J + 1)}; when the announced
 * work changes (or an estimate falls), the percentage goes on from where it stands and climbs the
 * rest of the way to the new ceiling in proportion to the rest of the known work done.</li>
 * <li>{@link #dpuMillis} gives {@code DpuExecutionInMillis}: the coordinator's wall time since
 * {@link #runStarted} plus, per task of the group, the time from its launch to its end, or to now
 * while it runs.</li>
 * </ul>
 */
public final class JobGroupProgress {
    /** The most a running task counts for: it is done only when Spark says so. */
    static final double RUNNING_TASK_SHARE = 0.9;
    /** The percentage stays below this until the calculation has COMPLETED. */
    private static final double TOP = 99;

    private final LongSupplier wallClock;
    private volatile boolean cancelled;

    private int jobs;
    private int jobsDone;
    private final Map<Integer, List<Integer>> stagesOfJob = new HashMap<>();
    private final Map<Integer, Stage> stages = new HashMap<>();
    private final Map<Integer, Long> shuffleRecordsWritten = new HashMap<>();
    /** The stages with tasks running, the only ones whose share of work done moves between events. */
    private final Set<Stage> activeStages = new LinkedHashSet<>();
    // the counts of the stages that ran or are to run (not skipped), kept as they change
    private int countedStages;
    private int countedStagesDone;
    private long countedTasks;
    private long countedTasksDone;

    private double shown;
    private double base;
    private double baseFraction;
    private double ceiling;
    private double lastFraction;
    private long lastTotal;

    private Instant runStart;
    private long finishedTaskMillis;
    private long inputBytes;
    private long inputRecords;
    private long outputRecords;
    private long lastDpuMillis;

    /**
     * What the tracker knows of a stage when its job starts: its tasks, the stages whose output it
     * reads, and the shuffle it writes ({@code -1} for a job's result stage).
     */
    record StageTasks(int stageId, int tasks, List<Integer> parentIds, int shuffleId) {
        StageTasks {
            parentIds = List.copyOf(parentIds);
        }

        StageTasks(int stageId, int tasks) {
            this(stageId, tasks, List.of(), -1);
        }
    }

    /**
     * Rows a running task has produced from a source whose size the plan states (Spark SQL's
     * {@code Range}): {@code totalRows} in {@code splits} partitions.
     */
    record PlannedRows(long rowsRead, long totalRows, int splits) {
    }

    public JobGroupProgress() {
        this(System::currentTimeMillis);
    }

    /** @param wallClock milliseconds since the epoch, the clock of Spark's task launch times */
    JobGroupProgress(LongSupplier wallClock) {
        this.wallClock = requireNonNull(wallClock, "wallClock is null");
    }

    /** The calculation began to run: its coordinator counts from {@code start}. Only the first call counts. */
    public synchronized void runStarted(Instant start) {
        if (runStart == null) {
            runStart = requireNonNull(start, "start is null");
        }
    }

    synchronized void jobStarted(int jobId, List<StageTasks> jobStages) {
        advance();
        jobs++;
        List<Integer> ids = new ArrayList<>();
        for (StageTasks stage : jobStages) {
            // a stage another job of the group already announced (its shuffle output reused) is counted once
            if (!stages.containsKey(stage.stageId())) {
                Stage added = new Stage(stage);
                stages.put(stage.stageId(), added);
                count(added, true);
            }
            ids.add(stage.stageId());
        }
        stagesOfJob.put(jobId, ids);
    }

    /**
     * A stage runs only once the stages it reads from have their output: those of them that never
     * ran were skipped (their output already existed), and leave the totals now.
     */
    synchronized void stageSubmitted(int stageId) {
        advance();
        Stage stage = stages.get(stageId);
        if (stage == null) {
            return;
        }
        stage.submitted = true;
        count(stage, true); // a stage resubmitted after it was thought skipped
        for (int parentId : stage.parentIds) {
            Stage parent = stages.get(parentId);
            if (parent != null && !parent.submitted) {
                count(parent, false);
            }
        }
    }

    synchronized void stageCompleted(int stageId, boolean succeeded) {
        advance();
        Stage stage = stages.get(stageId);
        if (stage != null && succeeded && !stage.completed) {
            stage.completed = true;
            countedStagesDone += stage.counted ? 1 : 0;
        }
    }

    synchronized void taskStarted(int stageId, long taskId, long launchMillis) {
        advance();
        Stage stage = stages.get(stageId);
        if (stage != null) {
            stage.running.putIfAbsent(taskId, new RunningTask(launchMillis));
            activeStages.add(stage);
        }
    }

    /**
     * A running task's metrics as an executor heartbeat reports them.
     *
     * @param recordsRead input and shuffle records it has read so far, {@code -1} if not reported
     * @param plannedRows what it has produced of a source whose size is known, or null
     */
    synchronized void taskMetrics(int stageId, long taskId, long recordsRead, PlannedRows plannedRows) {
        advance();
        Stage stage = stages.get(stageId);
        RunningTask task = stage == null ? null : stage.running.get(taskId);
        if (task != null) {
            task.recordsRead = Math.max(task.recordsRead, recordsRead);
            if (plannedRows != null && plannedRows.totalRows() > 0 && plannedRows.splits() > 0) {
                // the larger per-task share of the two: a stage that reads several partitions per task is not overrated
                double rowsPerTask = Math.max((double) plannedRows.totalRows() / plannedRows.splits(),
                        (double) plannedRows.totalRows() / Math.max(1, stage.tasks));
                task.plannedFraction = Math.max(task.plannedFraction, plannedRows.rowsRead() / rowsPerTask);
            }
        }
    }

    /**
     * A task ended (succeeded, failed or was killed). Its time from launch to finish is DPU time
     * either way; only a successful one counts as done.
     *
     * @param recordsRead its input and shuffle records read
     * @param shuffleRecordsWritten the records it wrote to its stage's shuffle
     */
    synchronized void taskEnded(int stageId, long taskId, boolean successful, long launchMillis, long finishMillis,
                                long recordsRead, long shuffleRecordsWritten) {
        advance();
        finishedTaskMillis += Math.max(0, finishMillis - launchMillis);
        Stage stage = stages.get(stageId);
        if (stage == null) {
            return;
        }
        stage.running.remove(taskId);
        if (stage.running.isEmpty()) {
            activeStages.remove(stage);
        }
        if (successful) {
            long before = stage.doneTasks();
            stage.tasksDone++;
            countedTasksDone += stage.counted ? stage.doneTasks() - before : 0;
            stage.finishedMillis += Math.max(0, finishMillis - launchMillis);
            stage.recordsRead += Math.max(0, recordsRead);
            if (stage.shuffleId >= 0) {
                this.shuffleRecordsWritten.merge(stage.shuffleId, Math.max(0, shuffleRecordsWritten), Long::sum);
            }
        }
    }

    /** A job's stages that never ran were skipped (their output already existed): they leave the totals. */
    synchronized void jobEnded(int jobId) {
        advance();
        List<Integer> ids = stagesOfJob.remove(jobId);
        if (ids == null) {
            return;
        }
        jobsDone++;
        for (int id : ids) {
            Stage stage = stages.get(id);
            if (stage != null && !stage.submitted) {
                count(stage, false);
            }
        }
    }

    /**
     * Moves the percentage to where the work done puts it, never back. Every change of state goes
     * through here first, so a change of the announced work (a job starts, a stage is skipped) or a
     * fall of the fraction done (a lower estimate) starts from the percentage the old state gave.
     */
    private void advance() {
        if (jobs == 0) {
            return;
        }
        long total = countedTasks;
        double done = countedTasksDone;
        long nowMillis = wallClock.getAsLong();
        for (Stage stage : activeStages) {
            if (stage.counted) {
                done += stage.runningShare(nowMillis, expectedRecordsPerTask(stage));
            }
        }
        double fraction = total == 0 ? 0 : Math.min(1, done / total);
        double jobCeiling = TOP * jobs / (jobs + 1.0);
        if (jobCeiling != ceiling || total != lastTotal || fraction < lastFraction) {
            base = shown;
            baseFraction = fraction;
            ceiling = jobCeiling;
        }
        double next = baseFraction >= 1 ? base : base + (ceiling - base) * (fraction - baseFraction) / (1 - baseFraction);
        shown = Math.max(shown, Math.min(next, ceiling));
        lastFraction = fraction;
        lastTotal = total;
    }

    /**
     * What one task of the stage is expected to read: what its finished tasks read on average, or
     * before any has finished, what the stages it reads wrote to their shuffles, spread over its tasks;
     * 0 when unknown.
     */
    private double expectedRecordsPerTask(Stage stage) {
        if (stage.tasksDone > 0 && stage.recordsRead > 0) {
            return (double) stage.recordsRead / stage.tasksDone;
        }
        long written = 0;
        for (int parentId : stage.parentIds) {
            Stage parent = stages.get(parentId);
            Long records = parent == null || parent.shuffleId < 0 ? null : shuffleRecordsWritten.get(parent.shuffleId);
            if (records == null) {
                return 0;
            }
            written += records;
        }
        return stage.tasks == 0 ? 0 : (double) written / stage.tasks;
    }

    /**
     * DPU time so far, at least 1 and never less than an earlier answer: the coordinator's wall time
     * since {@link #runStarted} (0 before) plus every task's time on an executor, from its launch to
     * its end or, while it runs, to {@code now}. {@code now} is wall-clock time, as Spark's launch times are.
     */
    public synchronized long dpuMillis(Instant now) {
        long nowMillis = now.toEpochMilli();
        long coordinator = runStart == null ? 0 : Math.max(0, nowMillis - runStart.toEpochMilli());
        long executors = finishedTaskMillis;
        for (Stage stage : activeStages) {
            for (RunningTask task : stage.running.values()) {
                executors += Math.max(0, nowMillis - task.launchMillis);
            }
        }
        lastDpuMillis = Math.max(lastDpuMillis, Math.max(1, coordinator + executors));
        return lastDpuMillis;
    }

    /**
     * The {@code Statistics.Progress} string, e.g. {@code 24% (21/50 tasks, 1/2 stages, 0/1 jobs)}:
     * 100% only when {@code completed}; the counts are Spark's: successful tasks and stages of the
     * stages that ran or are to run, jobs ended of jobs started.
     */
    public synchronized String describe(boolean completed) {
        advance();
        int percent = completed ? 100 : (int) Math.floor(shown);
        if (jobs == 0) {
            return percent + "% (no Spark job" + (completed ? " was needed)" : " started yet)");
        }
        return percent + "% (" + countedTasksDone + "/" + countedTasks + " tasks, " + countedStagesDone + "/" + countedStages + " stages, "
                + jobsDone + "/" + jobs + " jobs)";
    }

    /** Adds a stage to the counts or takes it out (skipped). */
    private void count(Stage stage, boolean counted) {
        if (stage.counted == counted) {
            return;
        }
        int sign = counted ? 1 : -1;
        stage.counted = counted;
        countedStages += sign;
        countedStagesDone += stage.completed ? sign : 0;
        countedTasks += sign * (long) stage.tasks;
        countedTasksDone += sign * stage.doneTasks();
    }

    /** A finished task's reads from data sources (not shuffles), what Athena calls data scanned, and the records it wrote to files. */
    synchronized void inputRead(long bytes, long records, long recordsWritten) {
        inputBytes += Math.max(0, bytes);
        inputRecords += Math.max(0, records);
        outputRecords += Math.max(0, recordsWritten);
    }

    public synchronized long outputRecords() {
        return outputRecords;
    }

    public synchronized long inputBytes() {
        return inputBytes;
    }

    public synchronized long inputRecords() {
        return inputRecords;
    }

    void cancel() {
        cancelled = true;
    }

    boolean isCancelled() {
        return cancelled;
    }

    private static final class Stage {
        final int tasks;
        final List<Integer> parentIds;
        final int shuffleId;
        boolean counted;
        boolean submitted;
        boolean completed;
        int tasksDone;
        long finishedMillis;
        long recordsRead;
        final Map<Long, RunningTask> running = new HashMap<>();

        Stage(StageTasks announced) {
            this.tasks = announced.tasks();
            this.parentIds = announced.parentIds();
            this.shuffleId = announced.shuffleId();
        }

        /** Successful tasks, at most the stage's tasks (a retried or speculative task may succeed twice). */
        long doneTasks() {
            return Math.min(tasks, tasksDone);
        }

        /** What the running tasks add to the finished ones, in tasks, within the stage's tasks. */
        double runningShare(long nowMillis, double expectedRecordsPerTask) {
            double meanMillis = tasksDone == 0 ? 0 : (double) finishedMillis / tasksDone;
            double running = 0;
            for (RunningTask task : this.running.values()) {
                running += task.share(nowMillis, expectedRecordsPerTask, meanMillis);
            }
            return Math.max(0, Math.min(tasks - doneTasks(), running));
        }
    }

    private static final class RunningTask {
        final long launchMillis;
        long recordsRead = -1;
        double plannedFraction = -1;

        RunningTask(long launchMillis) {
            this.launchMillis = launchMillis;
        }

        /**
         * How much of its work the task has done: by the plan's row count if known, else by the
         * records it has read against what a task of its stage reads, else by its run time against
         * that of its stage's finished tasks; nothing when none of these is known yet.
         */
        double share(long nowMillis, double expectedRecords, double meanMillis) {
            double share;
            if (plannedFraction >= 0) {
                share = plannedFraction;
            }
            else if (recordsRead >= 0 && expectedRecords > 0) {
                share = recordsRead / expectedRecords;
            }
            else if (meanMillis > 0) {
                share = (nowMillis - launchMillis) / meanMillis;
            }
            else {
                share = 0;
            }
            return Math.max(0, Math.min(RUNNING_TASK_SHARE, share));
        }
    }
}
