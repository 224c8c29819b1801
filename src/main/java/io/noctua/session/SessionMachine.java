package io.noctua.session;

import io.noctua.api.CalculationExecutionState;
import io.noctua.api.InvalidRequestException;
import io.noctua.api.SessionState;
import io.noctua.engine.CalculationEngine;
import io.noctua.engine.CalculationProgress;
import io.noctua.monitoring.SessionLog;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * One live session and the calculation it runs: the only place that knows their states and the only
 * one that changes them. Every change is an event handled by one method of this class, which, under
 * this machine's lock: checks Athena's transition table ({@link SessionState#canMoveTo},
 * {@link CalculationExecutionState#canMoveTo}), writes the affected rows in one store transaction as
 * compare-and-set ({@link #commit}), and publishes the new records; then, outside the lock, it fires
 * what follows (stopping Spark jobs, closing the engine, telling the services).
 * <p>
 * A client's event (StartCalculationExecution, StopCalculationExecution, TerminateSession) that the
 * store cannot record fails, and nothing changes. An event of the server's own (a calculation ends,
 * the session was idle too long, the server shuts down) happens anyway: its records are published and
 * written as soon as the store takes them again ({@link #flush}), so that no session is left BUSY or
 * calculation RUNNING because of a full disk. The state diagrams are in docs/state-machines.md.
 */
public final class SessionMachine {
    private static final Logger LOG = Logger.getLogger(SessionMachine.class.getName());
    /** SIGINT reaches a Python cell this long after its Spark jobs were cancelled, so that it does not land inside a Py4J call. */
    private static final Duration INTERRUPT_DELAY = Duration.ofMillis(250);

    /** What the machine tells the rest of the server, always outside its lock. */
    public interface Listener {
        /** The calculation ended; {@code last} is its final record. */
        void calculationEnded(SessionMachine machine, CalculationExecution last);

        /** The session ended (TERMINATED or FAILED). */
        void sessionEnded(SessionMachine machine);
    }

    /** Runs the timed steps of a stop; the server's is a scheduler with a pool, tests may run them at once. */
    public interface Timer {
        void after(Duration delay, Runnable task);
    }

    /** What running a calculation gave, for its final record. */
    public record Outcome(CalculationExecutionState state, String reason, long dpuMillis, String progress, String stdOutS3Uri,
                          String stdErrorS3Uri, String resultS3Uri, String resultType, String sessionNote) {
        public Outcome {
            requireNonNull(state, "state is null");
            requireNonNull(progress, "progress is null");
        }
    }

    private final SessionStore store;
    private final Clock clock;
    private final Listener listener;
    private final Timer timer;
    private final Duration stopGrace;
    /** The session's S3 logs ({@link SessionLog#OFF} without them): every published move gets its line there. */
    private final SessionLog log;

    private final Object lock = new Object();
    /** The session as published: read without the lock. */
    private volatile Session session;
    /** The newest calculation as published, running or ended; null before the first. */
    private volatile CalculationExecution calculation;
    /** While a calculation runs: how far it got, for its statistics. */
    private volatile CalculationProgress progress;
    // the rest is guarded by lock
    private Session storedSession;
    private CalculationExecution storedCalculation;
    private CalculationEngine engine;
    private Thread executing;
    private String cancelReason;

    SessionMachine(Session created, SessionStore store, Clock clock, Listener listener, Timer timer, Duration stopGrace, SessionLog log) {
        this.session = requireNonNull(created, "created is null");
        this.storedSession = created;
        this.store = requireNonNull(store, "store is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.listener = requireNonNull(listener, "listener is null");
        this.timer = requireNonNull(timer, "timer is null");
        this.stopGrace = requireNonNull(stopGrace, "stopGrace is null");
        this.log = requireNonNull(log, "log is null");
    }

    // ---- reads, without the lock

    public Session session() {
        return session;
    }

    public String sessionId() {
        return session.sessionId();
    }

    /** The session's S3 logs; {@link SessionLog#OFF} when it has none. */
    public SessionLog log() {
        return log;
    }

    /** The calculation as now, with its statistics so far while it runs; empty if it is not this session's newest. */
    public Optional<CalculationExecution> calculation(String calculationExecutionId) {
        CalculationExecution current = calculation;
        if (current == null || !current.calculationExecutionId().equals(calculationExecutionId)) {
            return Optional.empty();
        }
        CalculationProgress running = progress;
        if (current.state().isTerminal() || running == null) {
            return Optional.of(current);
        }
        return Optional.of(current.withStatistics(running.dpuMillis(), running.describe(false)));
    }

    /** The calculation the session runs, if one has not ended. */
    public Optional<CalculationExecution> runningCalculation() {
        CalculationExecution current = calculation;
        return current == null || current.state().isTerminal() ? Optional.empty() : calculation(current.calculationExecutionId());
    }

    /** Whether records this machine published wait for the store to take them. */
    public boolean hasUnstoredChanges() {
        synchronized (lock) {
            return session != storedSession || calculation != storedCalculation;
        }
    }

    // ---- the session's own events

    /** The session's engine is ready: CREATING, CREATED, IDLE. If the session ended meanwhile, the engine is closed. */
    public void engineReady(CalculationEngine ready) {
        synchronized (lock) {
            if (session.state() == SessionState.CREATING) {
                commit(move(SessionState.CREATED, null), calculation, true);
                commit(move(SessionState.IDLE, null), calculation, true);
                engine = ready;
                return;
            }
        }
        close(ready);
    }

    /** The engine could not be made: the session FAILED with the reason. */
    public void creationFailed(String reason) {
        synchronized (lock) {
            if (session.state() != SessionState.CREATING) {
                return;
            }
            commit(move(SessionState.FAILED, reason), calculation, true);
        }
        listener.sessionEnded(this);
    }

    /**
     * Ends the session (TerminateSession, a deleted workgroup, a shutdown): at once if nothing runs,
     * else TERMINATING until its calculation, cancelled here, has stopped. {@code serverEvent}: the
     * server's own decision, recorded even while the store fails. Returns the session's state
     * afterwards; an ended session is left as it is.
     */
    public SessionState terminate(String reason, boolean serverEvent) {
        return end(reason, serverEvent, null);
    }

    /**
     * The idle timeout: ends the session if it has been IDLE for longer than its
     * SessionIdleTimeoutInMinutes, with {@code minute} as the length of a minute. Checked under the
     * lock, so a calculation accepted at the deadline is never cancelled as idle. True if the session
     * is TERMINATED afterwards.
     */
    public boolean terminateIfIdle(Duration minute) {
        return end(null, true, minute) == SessionState.TERMINATED;
    }

    private SessionState end(String givenReason, boolean serverEvent, Duration idleMinute) {
        List<Runnable> then = new ArrayList<>();
        SessionState result;
        synchronized (lock) {
            SessionState state = session.state();
            String reason = givenReason;
            if (idleMinute != null) {
                int minutes = session.idleTimeoutMinutes();
                if (state != SessionState.IDLE || session.idleSinceDateTime() == null
                        || !session.idleSinceDateTime().plus(idleMinute.multipliedBy(minutes)).isBefore(clock.instant())) {
                    return state;
                }
                reason = "Session was idle for more than its timeout of " + minutes + (minutes == 1 ? " minute" : " minutes");
            }
            if (state.isTerminal() || state == SessionState.TERMINATING) {
                return state;
            }
            if (!serverEvent) {
                flush();
            }
            CalculationExecution running = calculation != null && !calculation.state().isTerminal() ? calculation : null;
            if (running != null) {
                CalculationExecution canceling = running.state() == CalculationExecutionState.CANCELING
                        ? running : moveCalculation(running, CalculationExecutionState.CANCELING, null);
                commit(move(SessionState.TERMINATING, reason), canceling, serverEvent);
                if (cancelReason == null) {
                    cancelReason = "Canceled because the session was terminated: " + reason;
                    then.add(stopWork(running.calculationExecutionId()));
                }
                result = SessionState.TERMINATING;
            }
            else {
                commit(move(SessionState.TERMINATED, reason), calculation, serverEvent);
                then.add(closeEngine());
                result = SessionState.TERMINATED;
            }
        }
        then.forEach(Runnable::run);
        return result;
    }

    /**
     * Another server ended this session in the store while this server's lease had lapsed (the two
     * could not tell each other apart from a dead server): the store's records are what every server
     * answers, so they are taken as they are; the session's work stops and its engine closes.
     *
     * @param storedCalculation the stored record of the calculation this machine runs, if it has one
     */
    public void endedElsewhere(Session stored, CalculationExecution storedCalculation) {
        List<Runnable> then = new ArrayList<>();
        synchronized (lock) {
            if (session.state().isTerminal() || !stored.state().isTerminal()) {
                return;
            }
            if (calculation != null && !calculation.state().isTerminal()) {
                then.add(stopWork(calculation.calculationExecutionId()));
                if (storedCalculation != null && storedCalculation.calculationExecutionId().equals(calculation.calculationExecutionId())) {
                    calculation = storedCalculation;
                    this.storedCalculation = storedCalculation;
                }
            }
            session = stored;
            storedSession = stored;
            progress = null;
            if (log.enabled()) {
                SessionLogLines.endedElsewhere(log, stored);
            }
            then.add(closeEngine());
        }
        then.forEach(Runnable::run);
    }

    // ---- its calculation's events

    /**
     * StartCalculationExecution: takes {@code created} (CREATING) if the session is IDLE, storing it with
     * its code and the session's move to BUSY in one transaction; otherwise Athena's "needs to be IDLE"
     * error, and nothing is stored.
     */
    public void accept(CalculationExecution created, String code) {
        synchronized (lock) {
            flush();
            if (session.state() != SessionState.IDLE || engine == null) {
                throw notIdle(session.state());
            }
            if (created.state() != CalculationExecutionState.CREATING) {
                throw new IllegalArgumentException("a calculation starts CREATING, not " + created.state());
            }
            Session busy = move(SessionState.BUSY, null);
            requireStored(store.write(SessionStore.Change.session(busy, storedSession.state()).andNew(created, code)));
            storedSession = busy;
            storedCalculation = created;
            session = busy;
            calculation = created;
            progress = null;
            executing = null;
            cancelReason = null;
            if (log.enabled()) {
                log.calculationAccepted(created.calculationExecutionId());
                SessionLogLines.accepted(log, created);
            }
        }
    }

    /** The engine the accepted calculation runs on; empty if the session has none any more. */
    public Optional<CalculationEngine> engineFor(String calculationExecutionId) {
        synchronized (lock) {
            return isCurrent(calculationExecutionId) ? Optional.ofNullable(engine) : Optional.empty();
        }
    }

    /**
     * The runner's first step, on the thread that will run the code: CREATING to RUNNING. False if the
     * calculation was stopped before it started.
     */
    public boolean calculationRunning(String calculationExecutionId, CalculationProgress running) {
        synchronized (lock) {
            if (!isCurrent(calculationExecutionId) || calculation.state() != CalculationExecutionState.CREATING) {
                return false;
            }
            commit(session, moveCalculation(calculation, CalculationExecutionState.RUNNING, null), true);
            progress = running;
            executing = Thread.currentThread();
            return true;
        }
    }

    /** The code has returned (or thrown): no interrupt may reach the runner's thread after this. */
    public void calculationExecuted(String calculationExecutionId) {
        synchronized (lock) {
            if (isCurrent(calculationExecutionId)) {
                executing = null;
            }
            Thread.interrupted();
        }
    }

    /** Why the calculation was stopped, once a stop was asked for. */
    public Optional<String> cancelReason(String calculationExecutionId) {
        synchronized (lock) {
            return isCurrent(calculationExecutionId) ? Optional.ofNullable(cancelReason) : Optional.empty();
        }
    }

    /**
     * The calculation ended: its final record (CANCELED whatever the code did, if a stop came first) and
     * the session's return to IDLE (or, if it is being terminated, TERMINATED) in one transaction.
     * Never fails: if the store cannot take it, it is published now and stored later.
     */
    public void calculationFinished(String calculationExecutionId, Outcome outcome) {
        CalculationExecution last;
        Runnable ending = () -> { };
        synchronized (lock) {
            if (!isCurrent(calculationExecutionId) || calculation.state().isTerminal()) {
                LOG.warning("calculation " + calculationExecutionId + " finished twice, or after its session forgot it; ignored");
                return;
            }
            boolean canceled = calculation.state() == CalculationExecutionState.CANCELING;
            CalculationExecutionState state = canceled ? CalculationExecutionState.CANCELED : outcome.state();
            String reason = canceled ? cancelReason : outcome.reason();
            if (!calculation.state().canMoveTo(state)) { // e.g. it never ran and nobody stopped it: say so rather than lie
                reason = "The calculation ended " + state + " from " + calculation.state() + (reason == null ? "" : ": " + reason);
                state = CalculationExecutionState.FAILED;
            }
            last = moveCalculation(calculation, state, reason).toBuilder()
                    .dpuExecutionInMillis(outcome.dpuMillis())
                    .progress(outcome.progress())
                    .stdOutS3Uri(outcome.stdOutS3Uri())
                    .stdErrorS3Uri(outcome.stdErrorS3Uri())
                    .resultS3Uri(outcome.resultS3Uri())
                    .resultType(outcome.resultType())
                    .build();
            Session next = session.addDpuMillis(outcome.dpuMillis());
            if (next.state() == SessionState.TERMINATING) {
                next = moveFrom(next, SessionState.TERMINATED, null);
                ending = closeEngine();
            }
            else if (next.state() == SessionState.BUSY) {
                next = moveFrom(next, SessionState.IDLE, outcome.sessionNote());
            }
            commit(next, last, true);
            progress = null;
            executing = null;
        }
        listener.calculationEnded(this, last);
        ending.run();
    }

    /**
     * StopCalculationExecution: a calculation that has not ended moves to CANCELING; its Spark jobs are
     * cancelled, its Python cell interrupted, and if it has not returned after the stop grace its thread
     * is interrupted and its Python worker ended. Returns the calculation's state afterwards.
     */
    public Optional<CalculationExecutionState> stop(String calculationExecutionId, String reason) {
        Runnable stopping;
        synchronized (lock) {
            if (!isCurrent(calculationExecutionId)) {
                return Optional.empty();
            }
            CalculationExecutionState state = calculation.state();
            if (state.isTerminal() || state == CalculationExecutionState.CANCELING) {
                return Optional.of(state);
            }
            flush();
            commit(session, moveCalculation(calculation, CalculationExecutionState.CANCELING, null), false);
            cancelReason = reason;
            stopping = stopWork(calculationExecutionId);
        }
        stopping.run();
        return Optional.of(CalculationExecutionState.CANCELING);
    }

    // ---- the store

    /** Writes what was published but not stored (after the store failed); true if nothing is left to write. */
    public boolean flush() {
        synchronized (lock) {
            if (session == storedSession && calculation == storedCalculation) {
                return true;
            }
            write(pendingChange(session, calculation));
            storedSession = session;
            storedCalculation = calculation;
            return true;
        }
    }

    /**
     * The one way records change: {@code next} and {@code nextCalculation} are written as one
     * transaction, each a compare-and-set on the state the store holds, then published. A client's
     * event ({@code serverEvent} false) that the store refuses changes nothing and fails; the server's
     * own is published anyway and stored by a later {@link #flush}.
     */
    private void commit(Session next, CalculationExecution nextCalculation, boolean serverEvent) {
        try {
            write(pendingChange(next, nextCalculation));
            storedSession = next;
            storedCalculation = nextCalculation;
        }
        catch (RuntimeException e) {
            if (!serverEvent) {
                throw e;
            }
            LOG.log(Level.WARNING, "session " + next.sessionId() + ": the store could not record " + next.state()
                    + (nextCalculation == null ? "" : " and calculation " + nextCalculation.calculationExecutionId() + " "
                    + nextCalculation.state()) + "; it is published and will be stored when the store takes writes again: " + e.getMessage());
        }
        if (log.enabled()) {
            SessionLogLines.changed(log, session, next, calculation, nextCalculation);
        }
        session = next;
        calculation = nextCalculation;
    }

    /** The rows that differ from what the store holds, each expecting the state it has there; null if none does. */
    private SessionStore.Change pendingChange(Session next, CalculationExecution nextCalculation) {
        boolean sessionChanged = next != storedSession;
        boolean calculationChanged = nextCalculation != storedCalculation;
        if (!sessionChanged && !calculationChanged) {
            return null;
        }
        if (calculationChanged && (storedCalculation == null
                || !storedCalculation.calculationExecutionId().equals(nextCalculation.calculationExecutionId()))) {
            throw new IllegalStateException("calculation " + nextCalculation.calculationExecutionId() + " was never stored");
        }
        return new SessionStore.Change(sessionChanged ? next : null, sessionChanged ? storedSession.state() : null,
                calculationChanged ? nextCalculation : null, calculationChanged ? storedCalculation.state() : null, null);
    }

    private void write(SessionStore.Change change) {
        if (change != null) {
            requireStored(store.write(change));
        }
    }

    private void requireStored(boolean written) {
        if (!written) {
            throw new IllegalStateException("session " + session.sessionId() + " changed in the store behind this server's back");
        }
    }

    // ---- transitions

    private Session move(SessionState next, String reason) {
        return moveFrom(session, next, reason);
    }

    private Session moveFrom(Session from, SessionState next, String reason) {
        if (!from.state().canMoveTo(next)) {
            throw new IllegalStateException("session " + from.sessionId() + " cannot move from " + from.state() + " to " + next);
        }
        return from.transition(next, reason, clock.instant());
    }

    private CalculationExecution moveCalculation(CalculationExecution from, CalculationExecutionState next, String reason) {
        if (!from.state().canMoveTo(next)) {
            throw new IllegalStateException("calculation " + from.calculationExecutionId() + " cannot move from " + from.state() + " to " + next);
        }
        return from.transition(next, reason, clock.instant());
    }

    private boolean isCurrent(String calculationExecutionId) {
        return calculation != null && calculation.calculationExecutionId().equals(calculationExecutionId);
    }

    // ---- what follows an event, outside the lock

    /**
     * What stops a calculation's work, harder and harder: its Spark jobs at once, its Python cell a
     * moment later, its thread and Python worker after the stop grace. Made under the lock, run after.
     */
    private Runnable stopWork(String calculationExecutionId) {
        CalculationEngine running = engine;
        if (running == null) {
            return () -> { };
        }
        return () -> {
            running.cancel(calculationExecutionId);
            timer.after(INTERRUPT_DELAY, () -> running.interruptPython(calculationExecutionId));
            timer.after(stopGrace, () -> forceStop(calculationExecutionId, running));
        };
    }

    /** What closes the session's engine once it ended, and tells the services; made under the lock, run after. */
    private Runnable closeEngine() {
        CalculationEngine closed = engine;
        engine = null;
        return () -> {
            close(closed);
            listener.sessionEnded(this);
        };
    }

    /**
     * Past the grace: its Python worker is killed first, then its thread interrupted if the cell still
     * holds it. In that order the calculation cannot be seen ended while its worker still lives.
     */
    private void forceStop(String calculationExecutionId, CalculationEngine running) {
        synchronized (lock) {
            if (!isCurrent(calculationExecutionId) || executing == null) {
                return;
            }
        }
        running.killRunningPython(calculationExecutionId); // outside the lock: a kill sweeps /proc
        synchronized (lock) {
            if (isCurrent(calculationExecutionId) && executing != null) {
                executing.interrupt();
            }
        }
    }

    private static void close(CalculationEngine closed) {
        if (closed == null) {
            return;
        }
        try {
            closed.close();
        }
        catch (RuntimeException e) {
            LOG.log(Level.WARNING, "a session's engine did not close cleanly", e);
        }
    }

    /** Athena's exact refusal, which dbt matches to decide whether to retry. */
    public static InvalidRequestException notIdle(SessionState state) {
        return new InvalidRequestException("Session is in the " + state + " state; needs to be IDLE to accept Calculations.");
    }

    @Override
    public String toString() {
        return "SessionMachine[" + session.sessionId() + " " + session.state() + "]";
    }
}
