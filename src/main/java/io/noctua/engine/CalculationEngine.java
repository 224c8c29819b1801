package io.noctua.engine;

import io.noctua.engine.python.PythonOutcome;

import java.util.Map;

/**
 * One Athena session's share of the engine: what its calculations run on, and how they are stopped.
 * {@link EngineSession} is Spark's; tests use hand-written fakes.
 */
public interface CalculationEngine {
    /**
     * Starts following a calculation: Spark jobs it runs on this thread belong to it until
     * {@link #endCalculation}. The progress it returns is read by status calls while it runs.
     */
    CalculationProgress beginCalculation(String calculationId);

    void endCalculation(String calculationId);

    /** Runs a {@code %%sql} cell's statements; throws Spark's exception when one fails. */
    SqlOutput runSql(String sql);

    /**
     * Runs a Python cell in the session's worker; {@code sessionFacts} is what the line magics show.
     * Throws {@code PythonWorkerException} if the worker dies meanwhile.
     */
    PythonOutcome runPython(String calculationId, String code, Map<String, Object> sessionFacts);

    /** Cancels the calculation's Spark jobs, also those it starts later. */
    void cancel(String calculationId);

    /** Raises KeyboardInterrupt in the calculation's Python cell, if it still runs it. */
    void interruptPython(String calculationId);

    /** Ends the Python worker if it still runs the calculation's cell. */
    void killRunningPython(String calculationId);

    /** Frees the session's engine state: its temporary views, its Python worker. */
    void close();
}
