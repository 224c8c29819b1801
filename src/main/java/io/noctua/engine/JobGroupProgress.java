package io.noctua.engine;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What Spark has done for one job group (one calculation): jobs, stages and tasks, and the run time
 * its tasks spent on executors. Fed by {@link JobGroupTracker} from the listener bus thread, read by
 * status calls; every method is synchronized on this small object.
 */
public final class JobGroupProgress {
    private int jobs;
    private int jobsDone;
    private int stages;
    private int stagesDone;
    private long tasks;
    private long tasksDone;
    private long executorRunTimeMillis;
    private int percent;
    private volatile boolean cancelled;
    private final Map<Integer, List<StageTasks>> stagesOfJob = new HashMap<>();
    private final Set<Integer> submittedStages = new HashSet<>();

    record StageTasks(int stageId, int tasks) {
    }

    synchronized void jobStarted(int jobId, List<StageTasks> jobStages) {
        jobs++;
        stagesOfJob.put(jobId, jobStages);
        for (StageTasks stage : jobStages) {
            stages++;
            tasks += stage.tasks();
        }
    }

    synchronized void stageSubmitted(int stageId) {
        submittedStages.add(stageId);
    }

    synchronized void stageCompleted() {
        stagesDone++;
        recompute();
    }

    synchronized void taskEnded(boolean successful, long runTimeMillis) {
        if (successful) {
            tasksDone++;
        }
        executorRunTimeMillis += Math.max(0, runTimeMillis);
        recompute();
    }

    /** A job's stages that never ran were skipped (their output already existed): they leave the totals. */
    synchronized void jobEnded(int jobId) {
        jobsDone++;
        for (StageTasks stage : stagesOfJob.getOrDefault(jobId, List.of())) {
            if (!submittedStages.contains(stage.stageId())) {
                stages--;
                tasks -= stage.tasks();
            }
        }
        stagesOfJob.remove(jobId);
        recompute();
    }

    private void recompute() {
        if (tasks > 0) {
            // the total grows when a calculation starts another job: hold the highest value so progress never goes back
            percent = Math.max(percent, (int) Math.min(99, tasksDone * 100 / tasks));
        }
    }

    public synchronized long executorRunTimeMillis() {
        return executorRunTimeMillis;
    }

    /** The {@code Statistics.Progress} string, e.g. {@code 42% (21/50 tasks, 1/2 stages, 0/1 jobs)}. */
    public synchronized String describe(boolean finished) {
        int shown = finished ? 100 : percent;
        if (jobs == 0) {
            return shown + "% (no Spark job" + (finished ? " was needed)" : " started yet)");
        }
        return shown + "% (" + tasksDone + "/" + tasks + " tasks, " + stagesDone + "/" + stages + " stages, "
                + jobsDone + "/" + jobs + " jobs)";
    }

    void cancel() {
        cancelled = true;
    }

    boolean isCancelled() {
        return cancelled;
    }
}
