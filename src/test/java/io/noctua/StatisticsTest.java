package io.noctua;

import io.noctua.testing.Athena;
import io.noctua.testing.ServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Statistics.Progress and DpuExecutionInMillis of running calculations, polled through the AWS SDK on
 * real Spark (local[2]): progress moves while a single stage runs, never goes back, and DPU time
 * accrues with the tasks instead of jumping when they end. See docs/statistics.md.
 */
class StatisticsTest {
    /** The test Spark runs two task slots beside the coordinator: DPU time may grow at most this fast. */
    private static final int DPUS = 3;
    /** What listener and HTTP delays may add to one step of DPU time, beyond the wall time between two polls. */
    private static final long STEP_SLACK_MILLIS = 1500;

    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private final AthenaClient athena = running.client();

    @Test
    void aLongSingleStageScanShowsProgressAndDpuTimeAsItRuns() {
        String sessionId = Athena.startIdleSession(athena);
        // two tasks on two task slots: no task ends before the very end, so only running tasks can move progress
        List<Poll> polls = pollUntilEnd(Athena.startCalculation(athena, sessionId,
                "%%sql\nSELECT sum(id) AS total FROM range(0, 10000000000, 1, 2)"));

        assertHonest(polls);
    }

    @Test
    void slowRowsInSeveralPartitionsShowProgressAndDpuTimeAsTheyRun() {
        String sessionId = Athena.startIdleSession(athena);
        // three partitions of two rows, each row sleeping 1.5 s: three tasks of 3 s on two task slots
        List<Poll> polls = pollUntilEnd(Athena.startCalculation(athena, sessionId,
                "%%sql\nSELECT count(s) AS n FROM (SELECT reflect('java.lang.Thread', 'sleep', cast(1500 as bigint)) AS s FROM range(0, 6, 1, 3))"));

        assertHonest(polls);
    }

    private static void assertHonest(List<Poll> polls) {
        String seen = polls.stream().map(Poll::toString).collect(Collectors.joining("\n  ", "\n  ", ""));
        System.out.println("polls:" + seen);
        Poll last = polls.get(polls.size() - 1);
        assertEquals(CalculationExecutionState.COMPLETED, last.state(), seen);
        assertEquals(100, last.percent(), seen);
        assertTrue(polls.stream().anyMatch(p -> p.state() == CalculationExecutionState.RUNNING && p.percent() > 0 && p.percent() < 99),
                "no poll while RUNNING showed progress strictly between 0% and 99%:" + seen);
        List<Poll> runningPolls = polls.stream().filter(p -> p.state() == CalculationExecutionState.RUNNING).toList();
        assertTrue(runningPolls.stream().map(Poll::dpuMillis).distinct().count() >= 3, "DPU time did not rise while RUNNING:" + seen);
        for (int i = 1; i < polls.size(); i++) {
            Poll before = polls.get(i - 1);
            Poll after = polls.get(i);
            assertTrue(after.percent() >= before.percent(), "progress went back at poll " + i + ":" + seen);
            assertTrue(after.dpuMillis() >= before.dpuMillis(), "DPU time went back at poll " + i + ":" + seen);
            long allowed = DPUS * (after.atMillis() - before.atMillis()) + STEP_SLACK_MILLIS;
            assertTrue(after.dpuMillis() - before.dpuMillis() <= allowed,
                    "DPU time jumped by " + (after.dpuMillis() - before.dpuMillis()) + " ms (at most " + allowed + " expected) at poll " + i + ":" + seen);
        }
    }

    /** Polls GetCalculationExecution every 200 ms until the calculation ends. */
    private List<Poll> pollUntilEnd(String calculationId) {
        List<Poll> polls = new ArrayList<>();
        long begin = System.nanoTime();
        while (true) {
            GetCalculationExecutionResponse response = athena.getCalculationExecution(r -> r.calculationExecutionId(calculationId));
            String progress = response.statistics().progress();
            Poll poll = new Poll((System.nanoTime() - begin) / 1_000_000, response.status().state(),
                    Integer.parseInt(progress.substring(0, progress.indexOf('%'))), progress, response.statistics().dpuExecutionInMillis());
            polls.add(poll);
            if (poll.state() == CalculationExecutionState.COMPLETED || poll.state() == CalculationExecutionState.FAILED
                    || poll.state() == CalculationExecutionState.CANCELED) {
                assertEquals(CalculationExecutionState.COMPLETED, poll.state(), response.status().stateChangeReason());
                return polls;
            }
            if (poll.atMillis() > 60_000) {
                throw new AssertionError("the calculation did not end within a minute: " + polls);
            }
            Athena.sleep(200);
        }
    }

    private record Poll(long atMillis, CalculationExecutionState state, int percent, String progress, long dpuMillis) {
        @Override
        public String toString() {
            return atMillis + " ms " + state + " " + progress + " dpu=" + dpuMillis;
        }
    }
}
