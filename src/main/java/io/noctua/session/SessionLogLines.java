package io.noctua.session;

import io.noctua.api.CalculationExecutionState;
import io.noctua.api.SessionState;
import io.noctua.monitoring.SessionLog;

import java.time.Duration;

/**
 * The driver log's lines about a session's own life (README, "Session logs"): each move of the session or of its
 * calculation as its {@link SessionMachine} publishes it. The moves between IDLE and BUSY that every calculation makes
 * are left out: the calculation's own lines say as much.
 */
final class SessionLogLines {
    private SessionLogLines() {
    }

    /** The lines for a move from {@code before} to {@code after} (and the calculation's, from one record to the next). */
    static void changed(SessionLog log, Session before, Session after, CalculationExecution calculationBefore,
                        CalculationExecution calculationAfter) {
        if (calculationAfter != null && calculationAfter != calculationBefore
                && (calculationBefore == null || calculationBefore.state() != calculationAfter.state())) {
            calculation(log, calculationAfter);
        }
        if (before.state() != after.state()) {
            session(log, before, after);
        }
    }

    static void accepted(SessionLog log, CalculationExecution created) {
        log.info("calculation " + created.calculationExecutionId() + " " + created.state() + ": accepted by StartCalculationExecution");
    }

    static void endedElsewhere(SessionLog log, Session stored) {
        log.warn("session " + stored.state() + " by another server while this server's lease had lapsed: " + stored.stateChangeReason());
    }

    private static void session(SessionLog log, Session before, Session after) {
        SessionState state = after.state();
        String reason = after.stateChangeReason() == null || after.stateChangeReason().equals(before.stateChangeReason())
                ? null : after.stateChangeReason();
        switch (state) {
            case BUSY -> { }
            case IDLE -> {
                if (before.state() == SessionState.CREATED) {
                    log.info("session IDLE: its Spark session is ready, and it takes calculations");
                }
                else if (reason != null) {
                    log.warn("session IDLE: " + reason);
                }
            }
            case TERMINATED, FAILED, DEGRADED -> {
                String line = "session " + state + (after.stateChangeReason() == null ? "" : ": " + after.stateChangeReason())
                        + " (DPU time " + after.dpuExecutionInMillis() + " ms)";
                if (state == SessionState.TERMINATED) {
                    log.info(line);
                }
                else {
                    log.warn(line);
                }
            }
            default -> log.info("session " + state + (reason == null ? "" : ": " + reason));
        }
    }

    private static void calculation(SessionLog log, CalculationExecution c) {
        CalculationExecutionState state = c.state();
        String id = "calculation " + c.calculationExecutionId() + " " + state;
        if (!state.isTerminal()) {
            log.info(id + (c.stateChangeReason() == null ? "" : ": " + c.stateChangeReason()));
            return;
        }
        String took = c.completionDateTime() == null ? ""
                : " after " + Duration.between(c.submissionDateTime(), c.completionDateTime()).toMillis() + " ms";
        String line = id + took + ", DPU time " + c.dpuExecutionInMillis() + " ms, progress " + c.progress()
                + (c.stateChangeReason() == null ? "" : ": " + c.stateChangeReason());
        if (state == CalculationExecutionState.FAILED) {
            log.warn(line);
        }
        else {
            log.info(line);
        }
    }
}
