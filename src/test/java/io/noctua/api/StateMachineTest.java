package io.noctua.api;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StateMachineTest {
    @Test
    void exactlyCompletedFailedAndCanceledAreFinalForCalculations() {
        Set<CalculationExecutionState> terminal = EnumSet.noneOf(CalculationExecutionState.class);
        for (CalculationExecutionState state : CalculationExecutionState.values()) {
            if (state.isTerminal()) {
                terminal.add(state);
            }
        }
        assertEquals(EnumSet.of(CalculationExecutionState.COMPLETED, CalculationExecutionState.FAILED, CalculationExecutionState.CANCELED), terminal);
    }

    @Test
    void finalStatesLeadNowhere() {
        for (CalculationExecutionState from : CalculationExecutionState.values()) {
            for (CalculationExecutionState to : CalculationExecutionState.values()) {
                if (from.isTerminal()) {
                    assertFalse(from.canMoveTo(to), from + " -> " + to);
                }
            }
        }
        for (SessionState from : SessionState.values()) {
            for (SessionState to : SessionState.values()) {
                if (from.isTerminal()) {
                    assertFalse(from.canMoveTo(to), from + " -> " + to);
                }
            }
        }
    }

    @Test
    void aStopAlwaysPassesCanceling() {
        assertFalse(CalculationExecutionState.RUNNING.canMoveTo(CalculationExecutionState.CANCELED));
        assertTrue(CalculationExecutionState.RUNNING.canMoveTo(CalculationExecutionState.CANCELING));
        assertTrue(CalculationExecutionState.CANCELING.canMoveTo(CalculationExecutionState.CANCELED));
        assertTrue(SessionState.BUSY.canMoveTo(SessionState.IDLE));
        assertFalse(SessionState.TERMINATING.canMoveTo(SessionState.IDLE));
    }
}
