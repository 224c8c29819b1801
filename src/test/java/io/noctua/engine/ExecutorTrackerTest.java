package io.noctua.engine;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which removals of an executor ListExecutors shows as FAILED: Spark's own reasons, as its scheduler backends word them. */
class ExecutorTrackerTest {
    @Test
    void anExecutorLostWithItsWorkerOrProcessFailed() {
        assertTrue(ExecutorTracker.lost("worker lost"));
        assertTrue(ExecutorTracker.lost("Command exited with code 137"));
        assertTrue(ExecutorTracker.lost("Executor heartbeat timed out after 120000 ms"));
    }

    @Test
    void anExecutorTheDriverLetGoDidNot() {
        assertFalse(ExecutorTracker.lost("Executor killed by driver."));
        assertFalse(ExecutorTracker.lost("Executor decommission."));
        assertFalse(ExecutorTracker.lost(null));
    }
}
