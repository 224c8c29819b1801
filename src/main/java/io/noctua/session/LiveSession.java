package io.noctua.session;

import io.noctua.api.InvalidRequestException;
import io.noctua.api.SessionState;
import io.noctua.engine.EngineSession;
import io.noctua.store.SessionStore;

import java.time.Clock;
import java.util.Optional;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * A session that has not ended: its record (read without locking by status calls), its SparkSession,
 * and the calculation running in it. Every state change happens here, under this object's lock, as a
 * compare-and-set in the store and then in memory, so the two never disagree.
 */
public final class LiveSession {
    private final SessionStore store;
    private final Clock clock;
    private final Consumer<LiveSession> onEnded;
    private volatile Session record;
    private EngineSession engine;
    private CalculationHandle running;

    LiveSession(Session record, SessionStore store, Clock clock, Consumer<LiveSession> onEnded) {
        this.record = requireNonNull(record, "record is null");
        this.store = requireNonNull(store, "store is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.onEnded = requireNonNull(onEnded, "onEnded is null");
    }

    public Session record() {
        return record;
    }

    public String sessionId() {
        return record.sessionId();
    }

    /**
     * The session's SparkSession and Python worker. A session has them from IDLE on; before that (or
     * after its end) a calculation gets Athena's "needs to be IDLE" error.
     */
    public synchronized EngineSession engine() {
        if (engine == null) {
            throw notIdle(record.state());
        }
        return engine;
    }

    /** Athena's exact refusal, which dbt matches to decide whether to retry. */
    public static InvalidRequestException notIdle(SessionState state) {
        return new InvalidRequestException("Session is in the " + state + " state; needs to be IDLE to accept Calculations.");
    }

    /** The creator's step: the SparkSession is ready; the session becomes IDLE unless it was ended meanwhile. */
    synchronized boolean engineReady(EngineSession engineSession) {
        if (record.state() != SessionState.CREATING) {
            engineSession.close();
            return false;
        }
        engine = engineSession;
        moveTo(SessionState.CREATED, null);
        moveTo(SessionState.IDLE, null);
        return true;
    }

    synchronized void creationFailed(String reason) {
        if (record.state() == SessionState.CREATING) {
            moveTo(SessionState.FAILED, reason);
            onEnded.accept(this);
        }
    }

    /**
     * Takes a calculation if the session is IDLE: {@code persist} records it, then the session is BUSY.
     * Otherwise throws Athena's "needs to be IDLE" error and records nothing.
     */
    public synchronized void accept(CalculationHandle calculation, Runnable persist) {
        if (record.state() != SessionState.IDLE) {
            throw notIdle(record.state());
        }
        persist.run();
        running = calculation;
        moveTo(SessionState.BUSY, null);
    }

    /**
     * The calculation ended: {@code persist} stores its final record, then the session becomes IDLE
     * again (or, if it is being terminated, TERMINATED). Both happen before the caller publishes the
     * calculation's final state, so a client that sees it ended finds the session ready.
     * {@code sessionNote}, if not null, becomes the session's StateChangeReason (e.g. its Python
     * worker had to be replaced).
     */
    public synchronized void calculationEnded(CalculationHandle calculation, long dpuMillis, Runnable persist, String sessionNote) {
        persist.run();
        if (running == calculation) {
            running = null;
        }
        record = record.addDpuMillis(dpuMillis);
        if (record.state() == SessionState.BUSY) {
            moveTo(SessionState.IDLE, sessionNote);
        }
        else if (record.state() == SessionState.TERMINATING) {
            end(SessionState.TERMINATED, null);
        }
        else {
            store.update(record, record.state()); // keeps the DPU time
        }
    }

    /**
     * Ends the session: at once if nothing runs, else after its calculation stops (it is cancelled
     * here). Returns the state the session is in afterwards. An ended session is left as it is.
     */
    public synchronized SessionState terminate(String reason) {
        SessionState state = record.state();
        if (state.isTerminal() || state == SessionState.TERMINATING) {
            return state;
        }
        if (running != null) {
            moveTo(SessionState.TERMINATING, reason);
            running.cancel("Canceled because the session was terminated: " + reason);
            return SessionState.TERMINATING;
        }
        end(SessionState.TERMINATED, reason);
        return SessionState.TERMINATED;
    }

    /** Whether an IDLE session has been idle for longer than its timeout. */
    boolean idleLongerThan(java.time.Duration minute) {
        Session current = record;
        return current.state() == SessionState.IDLE && current.idleSinceDateTime() != null
                && current.idleSinceDateTime().plus(minute.multipliedBy(current.idleTimeoutMinutes())).isBefore(clock.instant());
    }

    synchronized Optional<CalculationHandle> running() {
        return Optional.ofNullable(running);
    }

    private void end(SessionState state, String reason) {
        moveTo(state, reason);
        if (engine != null) {
            engine.close();
            engine = null;
        }
        onEnded.accept(this);
    }

    private void moveTo(SessionState next, String reason) {
        Session current = record;
        if (!current.state().canMoveTo(next)) {
            throw new IllegalStateException("session " + current.sessionId() + " cannot move from " + current.state() + " to " + next);
        }
        Session updated = current.transition(next, reason, clock.instant());
        if (!store.update(updated, current.state())) {
            throw new IllegalStateException("session " + current.sessionId() + " changed in the store behind this server's back");
        }
        record = updated;
    }
}
