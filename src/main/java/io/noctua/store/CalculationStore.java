package io.noctua.store;

import io.noctua.api.CalculationExecutionState;
import io.noctua.calculation.CalculationExecution;

import java.util.List;
import java.util.Optional;

public interface CalculationStore {
    void insert(CalculationExecution calculation, String codeBlock);

    Optional<CalculationExecution> get(String calculationExecutionId);

    Optional<String> code(String calculationExecutionId);

    Optional<CalculationExecution> findByClientRequestToken(String sessionId, String token);

    /** Compare-and-set on the state; also writes statistics and result locations. */
    boolean update(CalculationExecution next, CalculationExecutionState expected);

    Page<CalculationExecution> list(String sessionId, CalculationExecutionState stateFilter, Long cursor, int limit);

    List<CalculationExecution> listNotTerminal();
}
