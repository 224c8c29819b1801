package io.noctua.engine;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The summary of a job group's jobs and stages, from the events JobGroupTracker passes on, and its bounds. */
class JobGroupHistoryTest {
    private final List<Integer> forgotten = new ArrayList<>();

    private static JobGroupHistory.TaskEnd succeeded(long millis, long inputBytes, long shuffleWriteBytes) {
        return new JobGroupHistory.TaskEnd(true, false, millis, inputBytes, 10, 0, 0, 0, shuffleWriteBytes);
    }

    @Test
    void aJobWithAShuffleAndALaterJobThatReusesItsFirstStage() {
        JobGroupHistory history = new JobGroupHistory(forgotten::add);
        history.jobStarted(0, "calc-1", "Athena calculation calc-1 of session s-1", 1_000, List.of(
                new JobGroupHistory.AnnouncedStage(0, "count at <stdin>", 2), new JobGroupHistory.AnnouncedStage(1, "count at <stdin>", 1)));
        assertTrue(history.hasRunningJobs());
        history.stageSubmitted(0, 0, 1_010L);
        history.taskEnded(0, succeeded(30, 100, 40));
        history.taskEnded(0, succeeded(50, 200, 60));
        history.stageCompleted(0, 1_070L, null);
        history.stageSubmitted(1, 0, 1_080L);
        history.taskEnded(1, new JobGroupHistory.TaskEnd(true, false, 5, 0, 0, 0, 0, 100, 0));
        history.stageCompleted(1, 1_090L, null);
        history.jobEnded(0, 1_100, null);
        assertFalse(history.hasRunningJobs());
        // the same shuffle read again: stage 0's output exists, so the second job skips it
        history.jobStarted(1, "calc-1", "again", 2_000, List.of(
                new JobGroupHistory.AnnouncedStage(0, "count at <stdin>", 2), new JobGroupHistory.AnnouncedStage(2, "collect at <stdin>", 1)));
        history.stageSubmitted(2, 0, 2_010L);
        history.taskEnded(2, new JobGroupHistory.TaskEnd(false, false, 7, 0, 0, 0, 0, 0, 0));
        history.stageCompleted(2, 2_020L, "Task failed: boom");
        history.jobEnded(1, 2_030, "Job aborted due to stage failure: boom");

        SparkJobHistory summary = history.summary();
        assertEquals(List.of(
                new SparkJobHistory.Job(0, "calc-1", "Athena calculation calc-1 of session s-1", "SUCCEEDED", null, 1_000, 1_100L,
                        List.of(0, 1), 0, 3, 3, 0, 0),
                new SparkJobHistory.Job(1, "calc-1", "again", "FAILED", "Job aborted due to stage failure: boom", 2_000, 2_030L,
                        List.of(0, 2), 1, 1, 0, 1, 0)), summary.jobs());
        assertEquals(List.of(
                new SparkJobHistory.Stage(0, "count at <stdin>", "COMPLETE", 1, 2, 2, 0, 0, 300, 20, 0, 0, 0, 100, 80, 50, 1_010L, 1_070L, null),
                new SparkJobHistory.Stage(1, "count at <stdin>", "COMPLETE", 1, 1, 1, 0, 0, 0, 0, 0, 0, 100, 0, 5, 5, 1_080L, 1_090L, null),
                new SparkJobHistory.Stage(2, "collect at <stdin>", "FAILED", 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7, 7, 2_010L, 2_020L,
                        "Task failed: boom")), summary.stages());
        assertEquals(0, summary.jobsNotKept());
        assertFalse(summary.ranNoJob());
    }

    @Test
    void aStageThatNeverRanIsSkippedAndAJobWithoutAnEndIsRunning() {
        JobGroupHistory history = new JobGroupHistory(forgotten::add);
        history.jobStarted(4, "g", null, 10, List.of(new JobGroupHistory.AnnouncedStage(7, "map", 3),
                new JobGroupHistory.AnnouncedStage(8, "result", 1)));
        history.stageSubmitted(8, 0, 11L);
        history.jobEnded(4, 20, null);
        history.jobStarted(5, "g", null, 30, List.of(new JobGroupHistory.AnnouncedStage(9, "result", 2)));
        SparkJobHistory summary = history.summary();
        assertEquals("SKIPPED", summary.stages().get(0).status());
        assertEquals(1, summary.jobs().get(0).skippedStages());
        assertEquals(1, summary.jobs().get(0).tasks());
        assertEquals("RUNNING", summary.jobs().get(1).status());
        assertNull(summary.jobs().get(1).completionTime());
        assertEquals("PENDING", summary.stages().get(2).status());
        assertTrue(history.hasRunningJobs());
    }

    @Test
    void onlyTheLatestJobsAndStagesAreKeptAndTheRestCounted() {
        JobGroupHistory history = new JobGroupHistory(3, 4, forgotten::add);
        for (int job = 0; job < 5; job++) {
            int first = job * 2;
            history.jobStarted(job, "g", "job " + job, job, List.of(new JobGroupHistory.AnnouncedStage(first, "a", 1),
                    new JobGroupHistory.AnnouncedStage(first + 1, "b", 1)));
            history.jobEnded(job, job + 1, null);
        }
        SparkJobHistory summary = history.summary();
        assertEquals(List.of(2, 3, 4), summary.jobs().stream().map(SparkJobHistory.Job::jobId).toList());
        assertEquals(List.of(6, 7, 8, 9), summary.stages().stream().map(SparkJobHistory.Stage::stageId).toList());
        assertEquals(2, summary.jobsNotKept());
        assertEquals(6, summary.stagesNotKept());
        assertEquals(List.of(0, 1, 2, 3, 4, 5), forgotten, "the tracker is told of each stage let go, to stop routing its events");
        history.taskEnded(0, succeeded(1, 1, 1)); // a late event of a stage let go changes nothing
        assertEquals(summary, history.summary());
    }

    @Test
    void aGroupWithoutJobsRanNone() {
        assertTrue(new JobGroupHistory(forgotten::add).summary().ranNoJob());
    }
}
