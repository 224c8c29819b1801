package io.noctua.engine;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;

import static java.util.Objects.requireNonNull;

/**
 * The record of one job group's Spark jobs and stages that becomes its {@link SparkJobHistory}, fed by
 * {@link JobGroupTracker} from Spark's listener events. Only the listener thread touches it. It keeps
 * the latest {@link SparkJobHistory#MAX_JOBS} jobs and {@link SparkJobHistory#MAX_STAGES} stages and
 * counts those it let go, so a calculation that runs thousands of jobs holds no more than that.
 */
final class JobGroupHistory {
    private final int maxJobs;
    private final int maxStages;
    /** Told of each stage let go, so that the tracker stops routing its events here. */
    private final IntConsumer stageForgotten;
    private final Map<Integer, JobRecord> jobs = new LinkedHashMap<>();
    private final Map<Integer, StageRecord> stages = new LinkedHashMap<>();
    private int jobsNotKept;
    private int stagesNotKept;

    /** What a job's start says of one of its stages. */
    record AnnouncedStage(int stageId, String name, int tasks) {
    }

    /** What a finished task adds to its stage. */
    record TaskEnd(boolean successful, boolean killed, long durationMillis, long inputBytes, long inputRecords, long outputBytes,
                   long outputRecords, long shuffleReadBytes, long shuffleWriteBytes) {
    }

    JobGroupHistory(IntConsumer stageForgotten) {
        this(SparkJobHistory.MAX_JOBS, SparkJobHistory.MAX_STAGES, stageForgotten);
    }

    JobGroupHistory(int maxJobs, int maxStages, IntConsumer stageForgotten) {
        this.maxJobs = maxJobs;
        this.maxStages = maxStages;
        this.stageForgotten = requireNonNull(stageForgotten, "stageForgotten is null");
    }

    /** A job started: its stages are recorded, those another job of the group already ran as reused (skipped by this one). */
    void jobStarted(int jobId, String jobGroup, String description, long time, List<AnnouncedStage> announced) {
        JobRecord job = new JobRecord(jobId, jobGroup, description, time);
        for (AnnouncedStage stage : announced) {
            job.stageIds.add(stage.stageId());
            StageRecord known = stages.get(stage.stageId());
            if (known == null) {
                stages.put(stage.stageId(), new StageRecord(stage.stageId(), stage.name(), stage.tasks()));
            }
            else if (!known.status.equals("PENDING")) {
                job.reused.add(stage.stageId());
            }
        }
        jobs.put(jobId, job);
        trim();
    }

    void stageSubmitted(int stageId, int attempt, Long submissionTime) {
        StageRecord stage = stages.get(stageId);
        if (stage != null) {
            stage.status = "ACTIVE";
            stage.attempts = Math.max(stage.attempts, attempt + 1);
            if (stage.submissionTime == null) {
                stage.submissionTime = submissionTime;
            }
        }
    }

    void stageCompleted(int stageId, Long completionTime, String failureReason) {
        StageRecord stage = stages.get(stageId);
        if (stage != null) {
            stage.status = failureReason == null ? "COMPLETE" : "FAILED";
            stage.failureReason = failureReason;
            stage.completionTime = completionTime;
        }
    }

    void taskEnded(int stageId, TaskEnd task) {
        StageRecord stage = stages.get(stageId);
        if (stage == null) {
            return;
        }
        if (task.successful()) {
            stage.succeeded++;
        }
        else if (task.killed()) {
            stage.killed++;
        }
        else {
            stage.failed++;
        }
        long duration = Math.max(0, task.durationMillis());
        stage.taskTime += duration;
        stage.longestTask = Math.max(stage.longestTask, duration);
        stage.inputBytes += Math.max(0, task.inputBytes());
        stage.inputRecords += Math.max(0, task.inputRecords());
        stage.outputBytes += Math.max(0, task.outputBytes());
        stage.outputRecords += Math.max(0, task.outputRecords());
        stage.shuffleReadBytes += Math.max(0, task.shuffleReadBytes());
        stage.shuffleWriteBytes += Math.max(0, task.shuffleWriteBytes());
    }

    /** A job ended; {@code failureReason} is null when it succeeded. Its stages that never ran were skipped. */
    void jobEnded(int jobId, long time, String failureReason) {
        JobRecord job = jobs.get(jobId);
        if (job == null) {
            return;
        }
        job.completionTime = time;
        job.status = failureReason == null ? "SUCCEEDED" : "FAILED";
        job.failureReason = failureReason;
        for (int stageId : job.stageIds) {
            StageRecord stage = stages.get(stageId);
            if (stage != null && stage.status.equals("PENDING")) {
                stage.status = "SKIPPED";
            }
        }
        job.counts = job.countsNow();
    }

    /** Whether a job of the group has started and not yet been reported ended. */
    boolean hasRunningJobs() {
        return jobs.values().stream().anyMatch(job -> job.completionTime == null);
    }

    boolean knowsStage(int stageId) {
        return stages.containsKey(stageId);
    }

    Set<Integer> stageIds() {
        return Set.copyOf(stages.keySet());
    }

    SparkJobHistory summary() {
        List<SparkJobHistory.Job> jobList = new ArrayList<>();
        for (JobRecord job : jobs.values()) {
            int[] counts = job.counts == null ? job.countsNow() : job.counts;
            jobList.add(new SparkJobHistory.Job(job.jobId, job.jobGroup, job.description, job.status, job.failureReason, job.submissionTime,
                    job.completionTime, job.stageIds, counts[0], counts[1], counts[2], counts[3], counts[4]));
        }
        List<SparkJobHistory.Stage> stageList = new ArrayList<>();
        for (StageRecord s : stages.values()) {
            stageList.add(new SparkJobHistory.Stage(s.stageId, s.name, s.status, s.attempts, s.tasks, s.succeeded, s.failed, s.killed,
                    s.inputBytes, s.inputRecords, s.outputBytes, s.outputRecords, s.shuffleReadBytes, s.shuffleWriteBytes, s.taskTime,
                    s.longestTask, s.submissionTime, s.completionTime, s.failureReason));
        }
        return new SparkJobHistory(jobList, stageList, jobsNotKept, stagesNotKept);
    }

    /** Lets go of the oldest jobs (and the stages no kept job names), then of the oldest stages, past the bounds. */
    private void trim() {
        while (jobs.size() > maxJobs) {
            Iterator<JobRecord> oldest = jobs.values().iterator();
            JobRecord job = oldest.next();
            oldest.remove();
            jobsNotKept++;
            Set<Integer> stillNamed = new HashSet<>();
            jobs.values().forEach(kept -> stillNamed.addAll(kept.stageIds));
            for (int stageId : job.stageIds) {
                if (!stillNamed.contains(stageId) && stages.remove(stageId) != null) {
                    stagesNotKept++;
                    stageForgotten.accept(stageId);
                }
            }
        }
        while (stages.size() > maxStages) {
            Iterator<StageRecord> oldest = stages.values().iterator();
            int stageId = oldest.next().stageId;
            oldest.remove();
            stagesNotKept++;
            stageForgotten.accept(stageId);
        }
    }

    private final class JobRecord {
        final int jobId;
        final String jobGroup;
        final String description;
        final long submissionTime;
        final List<Integer> stageIds = new ArrayList<>();
        /** Stages that another job of the group ran before: this one skips them. */
        final Set<Integer> reused = new HashSet<>();
        String status = "RUNNING";
        String failureReason;
        Long completionTime;
        /** Skipped stages, tasks, succeeded, failed and killed tasks, as they stood when the job ended. */
        int[] counts;

        JobRecord(int jobId, String jobGroup, String description, long submissionTime) {
            this.jobId = jobId;
            this.jobGroup = jobGroup;
            this.description = description;
            this.submissionTime = submissionTime;
        }

        int[] countsNow() {
            int skipped = 0;
            int tasks = 0;
            int succeeded = 0;
            int failed = 0;
            int killed = 0;
            for (int stageId : stageIds) {
                StageRecord stage = stages.get(stageId);
                if (reused.contains(stageId) || stage != null && stage.status.equals("SKIPPED")) {
                    skipped++;
                }
                else if (stage != null) {
                    tasks += stage.tasks;
                    succeeded += stage.succeeded;
                    failed += stage.failed;
                    killed += stage.killed;
                }
            }
            return new int[] {skipped, tasks, succeeded, failed, killed};
        }
    }

    private static final class StageRecord {
        final int stageId;
        final String name;
        final int tasks;
        String status = "PENDING";
        int attempts;
        int succeeded;
        int failed;
        int killed;
        long inputBytes;
        long inputRecords;
        long outputBytes;
        long outputRecords;
        long shuffleReadBytes;
        long shuffleWriteBytes;
        long taskTime;
        long longestTask;
        Long submissionTime;
        Long completionTime;
        String failureReason;

        StageRecord(int stageId, String name, int tasks) {
            this.stageId = stageId;
            this.name = name;
            this.tasks = tasks;
        }
    }
}
