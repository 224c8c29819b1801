package io.noctua.engine;

import org.apache.spark.SparkContext;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.JobFailed;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.sql.execution.SparkPlanInfo;
import org.apache.spark.sql.execution.metric.SQLMetricInfo;
import org.apache.spark.sql.execution.ui.SparkListenerSQLAdaptiveExecutionUpdate;
import org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd;
import org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart;
import org.apache.spark.util.AccumulatorV2;
import scala.Tuple4;
import scala.jdk.javaapi.CollectionConverters;

import java.math.BigInteger;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Follows the jobs of the job groups Noctua runs (one group per calculation, named by its id) and
 * feeds their {@link JobGroupProgress}: jobs, stages, task starts and ends, and the metrics of
 * running tasks that executor heartbeats carry. From Spark SQL's plans it learns the size of
 * {@code Range} sources, so that a scan of one is measured against its whole. It also closes the gap
 * in {@code cancelJobGroup}, which cancels only jobs already running: a job that a cancelled group
 * starts afterwards is cancelled as soon as Spark announces it.
 * <p>
 * For a group tracked with a history (a calculation's), it also records a summary of each job and stage
 * ({@link JobGroupHistory}) and hands it on once Spark has reported everything the group did: when the
 * group is untracked, a marker event goes onto Spark's listener bus behind the group's own events, and
 * the history is complete when the marker arrives and the group's last job has ended.
 */
final class JobGroupTracker extends SparkListener {
    private static final Logger LOG = Logger.getLogger(JobGroupTracker.class.getName());
    private static final String JOB_GROUP_PROPERTY = "spark.jobGroup.id";
    private static final String JOB_DESCRIPTION_PROPERTY = "spark.job.description";
    /** A failure reason is kept to its start: Spark's may carry a whole stack trace. */
    private static final int MAX_REASON = 2000;
    /** The task metrics that count records read; heartbeats carry them by accumulator id alone. */
    private static final Set<String> RECORDS_READ = Set.of("internal.metrics.input.recordsRead", "internal.metrics.shuffle.read.recordsRead");
    /** A Range node's simple string in Spark 3.5, e.g. {@code Range (0, 1000, step=1, splits=4)}. */
    private static final Pattern RANGE = Pattern.compile("Range \\((-?\\d+), (-?\\d+), step=(-?\\d+), splits=(\\d+)\\)");
    private static final String OUTPUT_ROWS = "number of output rows";

    private final SparkContext context;
    private final Map<String, JobGroupProgress> groups = new ConcurrentHashMap<>();
    private final Map<Integer, JobGroupProgress> byJob = new ConcurrentHashMap<>();
    private final Map<Integer, JobGroupProgress> byStage = new ConcurrentHashMap<>();
    /** Per submitted stage of a tracked group: the ids of its tasks' records-read accumulators. */
    private final Map<Integer, Set<Long>> recordsReadAccumulators = new ConcurrentHashMap<>();
    /** The output-rows accumulator of every Range of a running SQL execution: its rows and splits. */
    private final Map<Long, long[]> rangeSizes = new ConcurrentHashMap<>();
    private final Map<Long, Set<Long>> rangesOfExecution = new ConcurrentHashMap<>();
    /** The histories of the tracked groups that keep one; a group leaves when its end marker arrives. */
    private final Map<String, Recording> recordings = new ConcurrentHashMap<>();
    private final Map<Integer, Recording> recordingByJob = new ConcurrentHashMap<>();
    private final Map<Integer, Recording> recordingByStage = new ConcurrentHashMap<>();

    /**
     * A group's history and who gets it. {@code ended}: its end marker has arrived. A stage's events are
     * routed to the group that announced it last (a later group may read a shuffle an earlier one wrote),
     * so a group lets go of a stage's route only while it is still its own.
     */
    private final class Recording {
        final JobGroupHistory history;
        final Consumer<SparkJobHistory> onEnd;
        boolean ended;

        Recording(Consumer<SparkJobHistory> onEnd) {
            this.onEnd = onEnd;
            this.history = new JobGroupHistory(stageId -> recordingByStage.remove(stageId, this));
        }
    }

    /**
     * Posted on Spark's listener bus when a group with a history is untracked. Spark delivers a queue's
     * events in the order they were posted, and a job's end is posted before the action that ran it
     * returns, so the group's events are all in front of it. Not written to Spark's event log.
     */
    private record GroupEnded(String group) implements SparkListenerEvent {
        @Override
        public boolean logEvent() {
            return false;
        }
    }

    JobGroupTracker(SparkContext context) {
        this.context = context;
    }

    JobGroupProgress track(String group) {
        return groups.computeIfAbsent(group, ignored -> new JobGroupProgress());
    }

    /**
     * {@link #track(String)}, and records the group's jobs and stages: {@code onEnd} gets them, on Spark's
     * listener thread, once the group is untracked and Spark has reported the end of its jobs.
     */
    JobGroupProgress track(String group, Consumer<SparkJobHistory> onEnd) {
        recordings.putIfAbsent(group, new Recording(onEnd));
        return track(group);
    }

    void untrack(String group) {
        if (recordings.containsKey(group)) {
            context.listenerBus().post(new GroupEnded(group));
        }
        JobGroupProgress progress = groups.remove(group);
        if (progress != null) {
            byJob.values().removeIf(p -> p == progress);
            byStage.entrySet().removeIf(entry -> {
                if (entry.getValue() == progress) {
                    recordsReadAccumulators.remove(entry.getKey());
                    return true;
                }
                return false;
            });
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
        Recording recording = group == null ? null : recordings.get(group);
        if (recording != null && !recording.ended) {
            recordJobStart(recording, group, event);
        }
        JobGroupProgress progress = group == null ? null : groups.get(group);
        if (progress == null) {
            return;
        }
        if (progress.isCancelled()) {
            context.cancelJob(event.jobId(), "its calculation was stopped");
        }
        List<StageInfo> stages = CollectionConverters.asJava(event.stageInfos());
        progress.jobStarted(event.jobId(), stages.stream()
                .map(stage -> new JobGroupProgress.StageTasks(stage.stageId(), stage.numTasks(),
                        CollectionConverters.asJava(stage.parentIds()).stream().map(id -> (Integer) id).toList(),
                        stage.shuffleDepId().isDefined() ? (Integer) stage.shuffleDepId().get() : -1))
                .toList());
        byJob.put(event.jobId(), progress);
        stages.forEach(stage -> byStage.put(stage.stageId(), progress));
    }

    private void recordJobStart(Recording recording, String group, SparkListenerJobStart event) {
        List<JobGroupHistory.AnnouncedStage> stages = CollectionConverters.asJava(event.stageInfos()).stream()
                .map(stage -> new JobGroupHistory.AnnouncedStage(stage.stageId(), stage.name(), stage.numTasks()))
                .toList();
        recording.history.jobStarted(event.jobId(), group, event.properties().getProperty(JOB_DESCRIPTION_PROPERTY), event.time(), stages);
        recordingByJob.put(event.jobId(), recording);
        for (JobGroupHistory.AnnouncedStage stage : stages) {
            if (recording.history.knowsStage(stage.stageId())) {
                recordingByStage.put(stage.stageId(), recording);
            }
        }
    }

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted event) {
        StageInfo stage = event.stageInfo();
        Recording recording = recordingByStage.get(stage.stageId());
        if (recording != null) {
            recording.history.stageSubmitted(stage.stageId(), stage.attemptNumber(), optionalLong(stage.submissionTime()));
        }
        JobGroupProgress progress = byStage.get(stage.stageId());
        if (progress != null) {
            recordsReadAccumulators.put(stage.stageId(), recordsReadAccumulators(stage.taskMetrics()));
            progress.stageSubmitted(stage.stageId());
        }
    }

    /**
     * The ids of the accumulators behind a stage attempt's records-read metrics. Heartbeats leave
     * out the names of Spark's internal metrics to save space; the driver's copies have them.
     * ({@code TaskMetrics.accumulators()} is {@code private[spark]} in Scala, public to Java.)
     */
    private static Set<Long> recordsReadAccumulators(TaskMetrics metrics) {
        Set<Long> ids = new HashSet<>();
        if (metrics != null) {
            for (AccumulatorV2<?, ?> accumulator : CollectionConverters.asJava(metrics.accumulators())) {
                if (accumulator.name().isDefined() && RECORDS_READ.contains(accumulator.name().get())) {
                    ids.add(accumulator.id());
                }
            }
        }
        return ids;
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted event) {
        StageInfo stage = event.stageInfo();
        Recording recording = recordingByStage.get(stage.stageId());
        if (recording != null) {
            recording.history.stageCompleted(stage.stageId(), optionalLong(stage.completionTime()),
                    stage.failureReason().isDefined() ? reason(stage.failureReason().get()) : null);
        }
        JobGroupProgress progress = byStage.get(stage.stageId());
        if (progress != null) {
            recordsReadAccumulators.remove(stage.stageId());
            progress.stageCompleted(stage.stageId(), stage.failureReason().isEmpty());
        }
    }

    @Override
    public void onTaskStart(SparkListenerTaskStart event) {
        JobGroupProgress progress = byStage.get(event.stageId());
        if (progress != null) {
            progress.taskStarted(event.stageId(), event.taskInfo().taskId(), event.taskInfo().launchTime());
        }
    }

    @Override
    public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate event) {
        for (Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>> update
                : CollectionConverters.asJava(event.accumUpdates())) {
            int stageId = (Integer) update._2();
            JobGroupProgress progress = byStage.get(stageId);
            if (progress == null) {
                continue;
            }
            Set<Long> recordIds = recordsReadAccumulators.getOrDefault(stageId, Set.of());
            long records = -1;
            JobGroupProgress.PlannedRows planned = null;
            for (AccumulableInfo info : CollectionConverters.asJava(update._4())) {
                long value = longValue(info);
                if (value < 0) {
                    continue;
                }
                if (recordIds.contains(info.id())) {
                    records = Math.max(0, records) + value;
                }
                long[] range = rangeSizes.get(info.id());
                // a stage with several Ranges (a union): the one read furthest
                if (range != null && (planned == null || value / (double) range[0] > planned.rowsRead() / (double) planned.totalRows())) {
                    planned = new JobGroupProgress.PlannedRows(value, range[0], (int) range[1]);
                }
            }
            progress.taskMetrics(stageId, (Long) update._1(), records, planned);
        }
    }

    private static long longValue(AccumulableInfo info) {
        return info.update().isDefined() && info.update().get() instanceof Number number ? number.longValue() : -1;
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd event) {
        Recording recording = recordingByStage.get(event.stageId());
        if (recording != null) {
            recording.history.taskEnded(event.stageId(), taskEnd(event));
        }
        JobGroupProgress progress = byStage.get(event.stageId());
        if (progress != null) {
            TaskMetrics metrics = event.taskMetrics();
            long recordsRead = metrics == null ? 0 : metrics.inputMetrics().recordsRead() + metrics.shuffleReadMetrics().recordsRead();
            long recordsWritten = metrics == null ? 0 : metrics.shuffleWriteMetrics().recordsWritten();
            long finish = event.taskInfo().finishTime() > 0 ? event.taskInfo().finishTime() : System.currentTimeMillis();
            progress.taskEnded(event.stageId(), event.taskInfo().taskId(), event.taskInfo().successful(), event.taskInfo().launchTime(),
                    finish, recordsRead, recordsWritten);
            if (metrics != null && event.taskInfo().successful()) {
                progress.inputRead(metrics.inputMetrics().bytesRead(), metrics.inputMetrics().recordsRead(),
                        metrics.outputMetrics().recordsWritten());
            }
        }
    }

    private static JobGroupHistory.TaskEnd taskEnd(SparkListenerTaskEnd event) {
        TaskMetrics metrics = event.taskMetrics();
        long duration = event.taskInfo().finishTime() > 0 ? event.taskInfo().finishTime() - event.taskInfo().launchTime() : 0;
        if (metrics == null) {
            return new JobGroupHistory.TaskEnd(event.taskInfo().successful(), event.taskInfo().killed(), duration, 0, 0, 0, 0, 0, 0);
        }
        return new JobGroupHistory.TaskEnd(event.taskInfo().successful(), event.taskInfo().killed(), duration,
                metrics.inputMetrics().bytesRead(), metrics.inputMetrics().recordsRead(), metrics.outputMetrics().bytesWritten(),
                metrics.outputMetrics().recordsWritten(), metrics.shuffleReadMetrics().totalBytesRead(),
                metrics.shuffleWriteMetrics().bytesWritten());
    }

    @Override
    public void onJobEnd(SparkListenerJobEnd event) {
        Recording recording = recordingByJob.remove(event.jobId());
        if (recording != null) {
            String failure = event.jobResult() instanceof JobFailed failed ? reason(String.valueOf(failed.exception().getMessage())) : null;
            recording.history.jobEnded(event.jobId(), event.time(), failure);
            if (recording.ended && !recording.history.hasRunningJobs()) {
                finish(recording);
            }
        }
        JobGroupProgress progress = byJob.remove(event.jobId());
        if (progress != null) {
            progress.jobEnded(event.jobId());
        }
    }

    /**
     * A group's end marker: its history is complete, unless a job of it is still running (a stopped
     * calculation's job is cancelled after the calculation returns); then it is when that job ends.
     * Jobs the group starts from now on are not recorded.
     */
    private void groupEnded(String group) {
        Recording recording = recordings.remove(group);
        if (recording == null) {
            return;
        }
        recording.ended = true;
        if (!recording.history.hasRunningJobs()) {
            finish(recording);
        }
    }

    private void finish(Recording recording) {
        recording.history.stageIds().forEach(stageId -> recordingByStage.remove(stageId, recording));
        recordingByJob.values().removeIf(r -> r == recording);
        try {
            recording.onEnd.accept(recording.history.summary());
        }
        catch (RuntimeException e) {
            LOG.warning("a calculation's Spark job history was not kept: " + e);
        }
    }

    private static Long optionalLong(scala.Option<Object> value) {
        return value.isDefined() ? (Long) value.get() : null;
    }

    /** A failure reason as kept: at most {@value #MAX_REASON} characters of it. */
    private static String reason(String text) {
        return text.length() <= MAX_REASON ? text : text.substring(0, MAX_REASON) + "...";
    }

    @Override
    public void onOtherEvent(SparkListenerEvent event) {
        if (event instanceof GroupEnded ended) {
            groupEnded(ended.group());
        }
        else if (event instanceof SparkListenerSQLExecutionStart start) {
            learnRanges(start.executionId(), start.sparkPlanInfo());
        }
        else if (event instanceof SparkListenerSQLAdaptiveExecutionUpdate update) {
            learnRanges(update.executionId(), update.sparkPlanInfo());
        }
        else if (event instanceof SparkListenerSQLExecutionEnd end) {
            Set<Long> ids = rangesOfExecution.remove(end.executionId());
            if (ids != null) {
                ids.forEach(rangeSizes::remove);
            }
        }
    }

    /** Notes the size of every {@code Range} in a plan, by the accumulator of its output rows. */
    private void learnRanges(long executionId, SparkPlanInfo plan) {
        if (plan == null) {
            return;
        }
        if ("Range".equals(plan.nodeName())) {
            long[] size = rangeSize(plan.simpleString());
            if (size != null) {
                for (SQLMetricInfo metric : CollectionConverters.asJava(plan.metrics())) {
                    if (OUTPUT_ROWS.equals(metric.name())) {
                        rangeSizes.put(metric.accumulatorId(), size);
                        rangesOfExecution.computeIfAbsent(executionId, ignored -> ConcurrentHashMap.newKeySet()).add(metric.accumulatorId());
                    }
                }
            }
        }
        for (SparkPlanInfo child : CollectionConverters.asJava(plan.children())) {
            learnRanges(executionId, child);
        }
    }

    /** {@code {rows, splits}} of a Range's simple string, or null if it is not one or is empty. */
    static long[] rangeSize(String simpleString) {
        Matcher matcher = RANGE.matcher(simpleString == null ? "" : simpleString);
        if (!matcher.matches()) {
            return null;
        }
        BigInteger start = new BigInteger(matcher.group(1));
        BigInteger end = new BigInteger(matcher.group(2));
        BigInteger step = new BigInteger(matcher.group(3));
        long splits = Long.parseLong(matcher.group(4));
        if (step.signum() == 0 || splits <= 0) {
            return null;
        }
        // the count of start, start + step, ... short of end; ceiling division of a span of the step's sign
        BigInteger span = end.subtract(start);
        if (span.signum() != step.signum()) {
            return null;
        }
        BigInteger[] quotient = span.divideAndRemainder(step);
        BigInteger rows = quotient[1].signum() == 0 ? quotient[0] : quotient[0].add(BigInteger.ONE);
        return new long[] {rows.min(BigInteger.valueOf(Long.MAX_VALUE)).longValue(), splits};
    }
}
