package io.noctua.engine;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * What Spark did for one calculation, kept after Spark's own UI has forgotten it: a summary of each of
 * its jobs and stages, as {@link JobGroupTracker} saw them in Spark's listener events (no task is kept
 * one by one). At most {@link #MAX_JOBS} jobs and {@link #MAX_STAGES} stages, the latest; the counts of
 * those left out say how many there were beyond.
 */
public record SparkJobHistory(List<Job> jobs, List<Stage> stages, int jobsNotKept, int stagesNotKept) {
    public static final int MAX_JOBS = 50;
    public static final int MAX_STAGES = 100;

    public SparkJobHistory {
        jobs = List.copyOf(jobs);
        stages = List.copyOf(stages);
    }

    /** Receives each calculation's history once Spark has reported the end of its jobs. */
    public interface Sink {
        void calculationEnded(String sessionId, String calculationExecutionId, SparkJobHistory jobs);
    }

    /** The calculation started no Spark job (a plain Python cell, a SELECT of literals). */
    public boolean ranNoJob() {
        return jobs.isEmpty() && jobsNotKept == 0;
    }

    /**
     * One Spark job. {@code status}: SUCCEEDED, FAILED, or RUNNING when its end was never reported.
     * The task counts are those of its stages that ran for it (not those it skipped because their output
     * existed); times are milliseconds since the epoch.
     */
    public record Job(int jobId, String jobGroup, String description, String status, String failureReason, long submissionTime,
                      Long completionTime, List<Integer> stageIds, int skippedStages, int tasks, int succeededTasks, int failedTasks,
                      int killedTasks) {
        public Job {
            requireNonNull(status, "status is null");
            stageIds = List.copyOf(stageIds);
        }
    }

    /**
     * One stage, over all its attempts. {@code status}: COMPLETE, FAILED, SKIPPED (never ran: its output
     * existed), ACTIVE (its end was never reported) or PENDING. Bytes and records are the sums over its
     * finished tasks; task time is the sum of their durations, the longest one beside it.
     */
    public record Stage(int stageId, String name, String status, int attempts, int tasks, int succeededTasks, int failedTasks,
                        int killedTasks, long inputBytes, long inputRecords, long outputBytes, long outputRecords, long shuffleReadBytes,
                        long shuffleWriteBytes, long taskTimeMillis, long longestTaskMillis, Long submissionTime, Long completionTime,
                        String failureReason) {
        public Stage {
            requireNonNull(name, "name is null");
            requireNonNull(status, "status is null");
        }
    }
}
