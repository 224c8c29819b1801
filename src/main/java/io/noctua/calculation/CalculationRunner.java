package io.noctua.calculation;

import io.noctua.api.CalculationExecutionState;
import io.noctua.engine.CalculationEngine;
import io.noctua.engine.CalculationProgress;
import io.noctua.engine.RichOutputs;
import io.noctua.engine.SqlOutput;
import io.noctua.engine.python.PythonOutcome;
import io.noctua.engine.python.PythonWorkerException;
import io.noctua.session.CalculationExecution;
import io.noctua.session.Session;
import io.noctua.session.SessionMachine;
import io.noctua.session.SessionService;
import org.apache.spark.sql.AnalysisException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * Runs one accepted calculation on the calling thread: a {@code %%sql} cell on the session's
 * SparkSession, anything else in the session's Python worker; then its outputs to the result store;
 * then tells its session's machine how it ended. Whatever happens, the machine hears of the end
 * exactly once, so no calculation is left RUNNING and no session BUSY.
 */
final class CalculationRunner {
    private static final Logger LOG = Logger.getLogger(CalculationRunner.class.getName());
    private final CalculationOutputs outputs;
    private final Function<Session, List<Session>> sessionsOfWorkGroup;

    /** @param sessionsOfWorkGroup the sessions %list_sessions shows for a session's workgroup */
    CalculationRunner(CalculationOutputs outputs, Function<Session, List<Session>> sessionsOfWorkGroup) {
        this.outputs = requireNonNull(outputs, "outputs is null");
        this.sessionsOfWorkGroup = requireNonNull(sessionsOfWorkGroup, "sessionsOfWorkGroup is null");
    }

    void run(SessionMachine machine, CalculationExecution calculation, String code) {
        String id = calculation.calculationExecutionId();
        Written written;
        try {
            written = runAndWrite(machine, calculation, code);
        }
        catch (RuntimeException | Error e) { // a bug on this path must not leave the calculation RUNNING
            LOG.log(Level.SEVERE, "calculation " + id + " could not be run to its end", e);
            written = new Written(new SessionMachine.Outcome(CalculationExecutionState.FAILED, "Noctua could not finish the calculation: " + e,
                    1, "0% (the calculation did not finish)", null, null, null, null, null), null, null);
        }
        machine.calculationFinished(id, written.outcome());
        try {
            machine.log().calculationEnded(id, written.stdOut(), written.stdError());
        }
        catch (RuntimeException e) { // the session's logs never fail its calculations
            LOG.log(Level.WARNING, "calculation " + id + ": its logs could not be handed on", e);
        }
    }

    /** How a calculation ended, and what it printed (null when it did not get that far): its stdout and stderr. */
    private record Written(SessionMachine.Outcome outcome, String stdOut, String stdError) {
    }

    private Written runAndWrite(SessionMachine machine, CalculationExecution calculation, String code) {
        String id = calculation.calculationExecutionId();
        Execution execution = Execution.notStarted();
        CalculationProgress progress = null;
        Optional<CalculationEngine> engine = machine.engineFor(id);
        if (engine.isPresent()) {
            try {
                progress = engine.get().beginCalculation(id);
                if (machine.calculationRunning(id, progress)) {
                    execution = execute(engine.get(), id, code, () -> sessionFacts(machine.session(), code));
                }
            }
            catch (Exception | Error e) { // Spark throws checked exceptions undeclared (Scala), so catch them all
                execution = Execution.failed(e);
            }
            finally {
                machine.calculationExecuted(id);
                endCalculation(engine.get(), id);
            }
        }
        CalculationOutputs.Locations locations = CalculationOutputs.locations(calculation.workingDirectory(), calculation.sessionId(), id);
        Execution executed = execution;
        Execution written = machine.cancelReason(id)
                .map(reason -> new Execution(executed.state(), executed.stdOut(), "The calculation was canceled: " + reason + "\n",
                        RichOutputs.none(), reason, executed.sessionNote()))
                .orElse(executed);
        try {
            outputs.write(locations, new CalculationOutputs.Outcome(written.stdOut(), written.stdError(), written.rich()));
        }
        catch (RuntimeException e) {
            LOG.log(Level.WARNING, "calculation " + id + ": outputs not written", e);
            String reason = "The calculation's output could not be written to " + outputs.describeStore() + ": " + e.getMessage();
            written = new Execution(CalculationExecutionState.FAILED, written.stdOut(), written.stdError(), RichOutputs.none(), reason,
                    written.sessionNote());
        }
        boolean completed = written.state() == CalculationExecutionState.COMPLETED;
        long dpuMillis = progress == null ? 1 : progress.dpuMillis();
        String finalProgress = progress == null ? "0% (the calculation did not start)" : progress.describe(completed);
        return new Written(new SessionMachine.Outcome(written.state(), written.reason(), dpuMillis, finalProgress, locations.stdOut().toString(),
                locations.stdError().toString(), locations.result().toString(), CalculationOutputs.RESULT_TYPE, written.sessionNote()),
                written.stdOut(), written.stdError());
    }

    private static void endCalculation(CalculationEngine engine, String id) {
        try {
            engine.endCalculation(id);
        }
        catch (RuntimeException e) {
            LOG.log(Level.WARNING, "calculation " + id + ": its job group could not be cleared", e);
        }
    }

    private static Execution execute(CalculationEngine engine, String calculationId, String code,
                                     Supplier<Map<String, Object>> sessionFacts) {
        Optional<String> sql = CodeBlocks.sqlCell(code);
        if (sql.isPresent()) {
            try {
                SqlOutput output = engine.runSql(sql.get());
                return new Execution(CalculationExecutionState.COMPLETED, output.shown(), "", output.rich(), null, null);
            }
            catch (Exception e) { // SparkException and AnalysisException arrive undeclared
                return Execution.failed(e);
            }
        }
        try {
            PythonOutcome outcome = engine.runPython(calculationId, code, sessionFacts.get());
            return new Execution(outcome.succeeded() ? CalculationExecutionState.COMPLETED : CalculationExecutionState.FAILED,
                    outcome.stdOut(), outcome.stdErr(), outcome.rich(), outcome.succeeded() ? null : Execution.orDefault(outcome.error()), null);
        }
        catch (PythonWorkerException e) {
            return new Execution(CalculationExecutionState.FAILED, "", e.getMessage() + "\n", RichOutputs.none(), e.getMessage(), !e.lostWorker() ? null
                    : "The session's Python worker was replaced after it ended (" + e.getMessage() + "); "
                            + "variables defined by earlier calculations are gone");
        }
    }

    /** What Athena's line magics show of the session; the workgroup's sessions only when the cell lists them. */
    private Map<String, Object> sessionFacts(Session session, String code) {
        Map<String, Object> facts = new LinkedHashMap<>(describe(session));
        facts.put("workGroup", session.workGroup());
        facts.put("engineVersion", SessionService.ENGINE_VERSION);
        if (code.contains("%list_sessions")) {
            facts.put("sessions", sessionsOfWorkGroup.apply(session).stream().map(CalculationRunner::describe).toList());
        }
        return facts;
    }

    private static Map<String, Object> describe(Session session) {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("id", session.sessionId());
        facts.put("state", session.state().name());
        facts.put("startDateTime", session.startDateTime().toString());
        return facts;
    }

    /** What running the code gave: the would-be final state, the outputs, and why it failed. */
    record Execution(CalculationExecutionState state, String stdOut, String stdError, RichOutputs rich, String reason, String sessionNote) {
        static Execution notStarted() {
            return new Execution(CalculationExecutionState.CANCELED, "", "", RichOutputs.none(), "Stopped before it started", null);
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
            return new Execution(CalculationExecutionState.FAILED, "", name + ": " + message + "\n", RichOutputs.none(), orDefault(firstLine), null);
        }

        /** A failed calculation always says something (the model's minimum length is 1); records fit it to 1024. */
        static String orDefault(String reason) {
            return reason == null || reason.isEmpty() ? "The calculation failed" : reason;
        }
    }
}
