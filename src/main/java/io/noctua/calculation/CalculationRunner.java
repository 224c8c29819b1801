package io.noctua.calculation;

import io.noctua.api.CalculationExecutionState;
import io.noctua.engine.EngineSession;
import io.noctua.engine.JobGroupProgress;
import io.noctua.session.LiveSession;
import org.apache.spark.sql.AnalysisException;

import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * Runs one calculation on its session's SparkSession, from RUNNING to its final state: the code in
 * the calculation's job group, then its outputs to the result store, then one compare-and-set to
 * COMPLETED, FAILED or CANCELED together with the session's return to IDLE.
 */
final class CalculationRunner {
    private static final Logger LOG = Logger.getLogger(CalculationRunner.class.getName());
    static final String PYTHON_NOT_SUPPORTED = "Python calculations are not supported by this version of Noctua yet: "
            + "only cells that start with the %%sql magic run. Start the CodeBlock with a line '%%sql' to run Spark SQL.";

    private final CalculationOutputs outputs;

    CalculationRunner(CalculationOutputs outputs) {
        this.outputs = requireNonNull(outputs, "outputs is null");
    }

    void run(RunningCalculation calculation, LiveSession session, String code) {
        String id = calculation.calculationExecutionId();
        Execution execution = Execution.notStarted();
        JobGroupProgress progress = null;
        EngineSession engine = null;
        try {
            engine = session.engine();
            progress = engine.beginCalculation(id);
            if (calculation.beginRunning(progress)) {
                execution = execute(engine, code);
            }
        }
        catch (Exception | Error e) { // Spark throws checked exceptions undeclared (Scala), so catch them all
            execution = Execution.failed(e);
        }
        finally {
            calculation.endExecuting();
            if (engine != null) {
                engine.endCalculation(id);
            }
        }
        finish(calculation, session, execution, progress);
    }

    private static Execution execute(EngineSession engine, String code) {
        Optional<String> sql = CodeBlocks.sqlCell(code);
        if (sql.isEmpty()) {
            return new Execution(CalculationExecutionState.FAILED, "", PYTHON_NOT_SUPPORTED + "\n", null, PYTHON_NOT_SUPPORTED);
        }
        try {
            EngineSession.SqlOutput output = engine.runSql(sql.get());
            return new Execution(CalculationExecutionState.COMPLETED, output.shown(), "", output.shown().isEmpty() ? null : output.shown(), null);
        }
        catch (Exception e) { // SparkException and AnalysisException arrive undeclared
            return Execution.failed(e);
        }
    }

    private void finish(RunningCalculation calculation, LiveSession session, Execution execution, JobGroupProgress progress) {
        CalculationExecution current = calculation.record();
        CalculationOutputs.Locations locations = CalculationOutputs.locations(current.workingDirectory(), current.sessionId(),
                current.calculationExecutionId());
        Execution written = calculation.cancelReason()
                .map(reason -> new Execution(execution.state(), execution.stdOut(), "The calculation was canceled: " + reason + "\n", null, reason))
                .orElse(execution);
        try {
            outputs.write(locations, new CalculationOutputs.Outcome(written.stdOut(), written.stdError(), written.result()));
        }
        catch (RuntimeException e) {
            LOG.log(Level.WARNING, "calculation " + current.calculationExecutionId() + ": outputs not written", e);
            String reason = "The calculation's output could not be written to " + outputs.describeStore() + ": " + e.getMessage();
            written = new Execution(CalculationExecutionState.FAILED, written.stdOut(), written.stdError(), null, reason);
        }
        long dpuMillis = calculation.dpuMillis(progress);
        boolean completed = written.state() == CalculationExecutionState.COMPLETED;
        String finalProgress = progress == null ? "0% (the calculation did not start)" : progress.describe(completed);
        CalculationExecution finalRecord = calculation.finalRecord(written.state(), written.reason(), dpuMillis, finalProgress)
                .withResult(locations.stdOut().toString(), locations.stdError().toString(), locations.result().toString(),
                        CalculationOutputs.RESULT_TYPE);
        session.calculationEnded(calculation, dpuMillis, () -> calculation.persist(finalRecord));
        calculation.publish(finalRecord);
    }

    /** What running the code gave: the would-be final state, the outputs, and why it failed. */
    record Execution(CalculationExecutionState state, String stdOut, String stdError, String result, String reason) {
        static Execution notStarted() {
            return new Execution(CalculationExecutionState.CANCELED, "", "", null, "Stopped before it started");
        }

        /** stderr as PySpark shows Spark's errors: {@code AnalysisException: <message>}, without the query plan. */
        static Execution failed(Throwable e) {
            String name = e.getClass().getSimpleName();
            String message = e.getMessage();
            if (e instanceof AnalysisException analysis) {
                name = "AnalysisException";
                message = analysis.getSimpleMessage();
            }
            message = message == null ? name : message;
            String firstLine = message.lines().findFirst().orElse(message);
            return new Execution(CalculationExecutionState.FAILED, "", name + ": " + message + "\n", null, truncate(firstLine));
        }

        private static String truncate(String reason) {
            return reason.length() <= 1024 ? reason : reason.substring(0, 1021) + "...";
        }
    }
}
