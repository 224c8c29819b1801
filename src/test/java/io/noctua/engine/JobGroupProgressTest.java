package io.noctua.engine;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JobGroupProgressTest {
    @Test
    void describesWhatSparkHasDoneAndNeverGoesBack() {
        JobGroupProgress progress = new JobGroupProgress();
        assertEquals("0% (no Spark job started yet)", progress.describe(false));

        progress.jobStarted(1, List.of(new JobGroupProgress.StageTasks(1, 4)));
        progress.stageSubmitted(1);
        progress.taskEnded(true, 10);
        progress.taskEnded(true, 10);
        assertEquals("50% (2/4 tasks, 0/1 stages, 0/1 jobs)", progress.describe(false));

        progress.jobStarted(2, List.of(new JobGroupProgress.StageTasks(2, 12)));
        assertEquals("50% (2/16 tasks, 0/2 stages, 0/2 jobs)", progress.describe(false), "a new job does not move progress back");
        assertEquals(20, progress.executorRunTimeMillis());
        assertEquals("100% (2/16 tasks, 0/2 stages, 0/2 jobs)", progress.describe(true));
    }

    @Test
    void stagesAJobSkippedLeaveTheTotals() {
        JobGroupProgress progress = new JobGroupProgress();
        progress.jobStarted(7, List.of(new JobGroupProgress.StageTasks(1, 8), new JobGroupProgress.StageTasks(2, 2)));
        progress.stageSubmitted(2);
        progress.taskEnded(true, 5);
        progress.taskEnded(true, 5);
        progress.stageCompleted();
        progress.jobEnded(7);

        assertEquals("99% (2/2 tasks, 1/1 stages, 1/1 jobs)", progress.describe(false));
        assertEquals("100% (2/2 tasks, 1/1 stages, 1/1 jobs)", progress.describe(true));
    }

    @Test
    void aFinishedCalculationWithoutSparkJobsSaysSo() {
        assertEquals("100% (no Spark job was needed)", new JobGroupProgress().describe(true));
    }
}
