package io.noctua.engine;

import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import scala.jdk.javaapi.CollectionConverters;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Follows the jobs of the job groups Noctua runs (one group per calculation, named by its id) and
 * keeps their {@link JobGroupProgress}. It also closes the gap in {@code cancelJobGroup}, which
 * cancels only jobs already running: a job that a cancelled group starts afterwards is cancelled as
 * soon as Spark announces it.
 */
final class JobGroupTracker extends SparkListener {
    private static final String JOB_GROUP_PROPERTY = "spark.jobGroup.id";

    private final SparkContext context;
    private final Map<String, JobGroupProgress> groups = new ConcurrentHashMap<>();
    private final Map<Integer, JobGroupProgress> byJob = new ConcurrentHashMap<>();
    private final Map<Integer, JobGroupProgress> byStage = new ConcurrentHashMap<>();

    JobGroupTracker(SparkContext context) {
        this.context = context;
    }

    JobGroupProgress track(String group) {
        return groups.computeIfAbsent(group, ignored -> new JobGroupProgress());
    }

    void untrack(String group) {
        JobGroupProgress progress = groups.remove(group);
        if (progress != null) {
            byJob.values().removeIf(p -> p == progress);
            byStage.values().removeIf(p -> p == progress);
        }
    }

    void cancel(String group) {
        JobGroupProgress progress = groups.get(group);
        if (progress != null) {
            progress.cancel();
        }
        context.cancelJobGroup(group);
    }

    @Override
    public void onJobStart(SparkListenerJobStart event) {
        Properties properties = event.properties();
        String group = properties == null ? null : properties.getProperty(JOB_GROUP_PROPERTY);
        JobGroupProgress progress = group == null ? null : groups.get(group);
        if (progress == null) {
            return;
        }
        if (progress.isCancelled()) {
            context.cancelJob(event.jobId(), "its calculation was stopped");
        }
        List<StageInfo> stages = CollectionConverters.asJava(event.stageInfos());
        progress.jobStarted(event.jobId(), stages.stream()
                .map(stage -> new JobGroupProgress.StageTasks(stage.stageId(), stage.numTasks()))
                .toList());
        byJob.put(event.jobId(), progress);
        stages.forEach(stage -> byStage.put(stage.stageId(), progress));
    }

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted event) {
        JobGroupProgress progress = byStage.get(event.stageInfo().stageId());
        if (progress != null) {
            progress.stageSubmitted(event.stageInfo().stageId());
        }
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted event) {
        JobGroupProgress progress = byStage.get(event.stageInfo().stageId());
        if (progress != null) {
            progress.stageCompleted();
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd event) {
        JobGroupProgress progress = byStage.get(event.stageId());
        if (progress != null) {
            long runTime = event.taskMetrics() == null ? 0 : event.taskMetrics().executorRunTime();
            progress.taskEnded(event.taskInfo().successful(), runTime);
        }
    }

    @Override
    public void onJobEnd(SparkListenerJobEnd event) {
        JobGroupProgress progress = byJob.remove(event.jobId());
        if (progress != null) {
            progress.jobEnded(event.jobId());
        }
    }
}
