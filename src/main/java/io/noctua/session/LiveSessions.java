package io.noctua.session;

import io.noctua.api.CalculationExecutionState;
import io.noctua.api.InvalidRequestException;
import io.noctua.api.SessionState;
import io.noctua.api.StateCounts;
import io.noctua.monitoring.SessionLog;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * The server's live sessions, each a {@link SessionMachine}, and the one way to find a session or a
 * calculation as it is now: its machine while it lives, else (for a calculation that just ended) the
 * recently finished ones kept in memory, else the store.
 */
public final class LiveSessions implements SessionMachine.Listener {
    private static final Logger LOG = Logger.getLogger(LiveSessions.class.getName());

    private final SessionStore store;
    private final Clock clock;
    private final SessionMachine.Timer timer;
    private final Duration stopGrace;
    private final Map<String, SessionMachine> live = new ConcurrentHashMap<>();
    /** Ended sessions whose last records the store did not take yet: they still answer for themselves. */
    private final Map<String, SessionMachine> unstored = new ConcurrentHashMap<>();
    private final FinishedCalculations finished = new FinishedCalculations(1_000);
    private final StateCounts<SessionState> sessionsEnded = new StateCounts<>(SessionState.class);
    private final StateCounts<CalculationExecutionState> calculationsEnded = new StateCounts<>(CalculationExecutionState.class);

    /** @param stopGrace how long a stopped calculation may take before its thread is interrupted and its Python worker ended */
    public LiveSessions(SessionStore store, Clock clock, SessionMachine.Timer timer, Duration stopGrace) {
        this.store = requireNonNull(store, "store is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.timer = requireNonNull(timer, "timer is null");
        this.stopGrace = requireNonNull(stopGrace, "stopGrace is null");
    }

    public SessionStore store() {
        return store;
    }

    /**
     * Stores a new session (CREATING) and gives it its machine, which logs to {@code log}; empty if the store has a
     * session of its id or token already. Fails, storing nothing, if the store does.
     */
    Optional<SessionMachine> add(Session created, SessionLog log) {
        if (!store.write(SessionStore.Change.newSession(created))) {
            return Optional.empty();
        }
        SessionMachine machine = new SessionMachine(created, store, clock, this, timer, stopGrace, log);
        live.put(created.sessionId(), machine);
        return Optional.of(machine);
    }

    public Optional<SessionMachine> machine(String sessionId) {
        return Optional.ofNullable(live.get(sessionId));
    }

    public Collection<SessionMachine> all() {
        return List.copyOf(live.values());
    }

    /** The session's machine, or the Athena error a calculation on {@code sessionId} gets. */
    public SessionMachine requireLive(String sessionId) {
        SessionMachine machine = live.get(sessionId);
        if (machine == null) {
            throw SessionMachine.notIdle(stored(sessionId).state());
        }
        return machine;
    }

    /** The session as it is now. */
    public Session session(String sessionId) {
        return published(sessionId).orElseGet(() -> stored(sessionId));
    }

    /** The session as it is now, if there is one by that id. */
    public Optional<Session> find(String sessionId) {
        return published(sessionId).or(() -> store.session(sessionId));
    }

    /** A stored session as it is now: its machine's record while it lives. */
    public Session freshest(Session stored) {
        return published(stored.sessionId()).orElse(stored);
    }

    /** The record a machine published: a live session's, or an ended one's that the store does not have yet. */
    private Optional<Session> published(String sessionId) {
        SessionMachine machine = live.get(sessionId);
        if (machine == null) {
            machine = unstored.get(sessionId);
        }
        return machine == null ? Optional.empty() : Optional.of(machine.session());
    }

    private Session stored(String sessionId) {
        return store.session(sessionId).orElseThrow(() -> sessionNotFound(sessionId));
    }

    public static InvalidRequestException sessionNotFound(String sessionId) {
        return new InvalidRequestException("Session " + sessionId + " is not found.");
    }

    /** The calculation as it is now, with its statistics so far while it runs. */
    public CalculationExecution calculation(String calculationExecutionId) {
        return live(calculationExecutionId)
                .or(() -> Optional.ofNullable(finished.get(calculationExecutionId)))
                .or(() -> store.calculation(calculationExecutionId))
                .orElseThrow(() -> new InvalidRequestException("Calculation " + calculationExecutionId + " is not found."));
    }

    /** Whether this server runs the calculation, or ran it a moment ago (it answers for it from memory). */
    public boolean knowsCalculation(String calculationExecutionId) {
        return live(calculationExecutionId).isPresent() || finished.get(calculationExecutionId) != null;
    }

    /** A stored calculation as it is now. */
    public CalculationExecution freshest(CalculationExecution stored) {
        SessionMachine machine = live.get(stored.sessionId());
        return machine == null ? stored : machine.calculation(stored.calculationExecutionId()).orElse(stored);
    }

    /** The live machine whose calculation this is, if it has not ended. */
    public Optional<SessionMachine> machineOfCalculation(String calculationExecutionId) {
        for (SessionMachine machine : live.values()) {
            if (machine.calculation(calculationExecutionId).isPresent()) {
                return Optional.of(machine);
            }
        }
        return Optional.empty();
    }

    private Optional<CalculationExecution> live(String calculationExecutionId) {
        for (SessionMachine machine : live.values()) {
            Optional<CalculationExecution> found = machine.calculation(calculationExecutionId);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    // ---- what the machines say

    @Override
    public void calculationEnded(SessionMachine machine, CalculationExecution last) {
        finished.add(last);
        calculationsEnded.ended(last.state());
    }

    @Override
    public void sessionEnded(SessionMachine machine) {
        machine.log().ended();
        live.remove(machine.sessionId(), machine);
        sessionsEnded.ended(machine.session().state());
        if (machine.hasUnstoredChanges()) {
            unstored.put(machine.sessionId(), machine);
        }
    }

    // ---- the server's periodic work

    /** Ends the sessions idle for longer than their SessionIdleTimeoutInMinutes ({@code minute} long each). */
    public void terminateIdle(Duration minute) {
        for (SessionMachine machine : all()) {
            try {
                machine.terminateIfIdle(minute);
            }
            catch (RuntimeException e) {
                LOG.log(Level.WARNING, "the idle check of session " + machine.sessionId() + " failed", e);
            }
        }
    }

    /** Writes what machines published while the store failed; quiet while it still fails. */
    public void storeWhatWasNotStored() {
        for (SessionMachine machine : all()) {
            flush(machine);
        }
        for (SessionMachine machine : List.copyOf(unstored.values())) {
            if (flush(machine)) {
                unstored.remove(machine.sessionId(), machine);
            }
        }
    }

    private static boolean flush(SessionMachine machine) {
        try {
            return machine.flush();
        }
        catch (RuntimeException e) {
            LOG.log(Level.FINE, "session " + machine.sessionId() + " is still not stored", e);
            return false;
        }
    }

    /** Drops the finished calculations kept in memory (their records are about to be deleted). */
    public void forgetFinished() {
        finished.clear();
    }

    public Map<SessionState, Integer> sessionsByState() {
        return StateCounts.byState(SessionState.class, live.values(), machine -> machine.session().state());
    }

    public Map<SessionState, Long> sessionsEnded() {
        return sessionsEnded.snapshot();
    }

    /** The calculations that have not ended, by state. */
    public Map<CalculationExecutionState, Integer> calculationsByState() {
        List<CalculationExecution> running = live.values().stream()
                .map(machine -> machine.runningCalculation().orElse(null))
                .filter(calculation -> calculation != null)
                .toList();
        return StateCounts.byState(CalculationExecutionState.class, running, CalculationExecution::state);
    }

    public Map<CalculationExecutionState, Long> calculationsEnded() {
        return calculationsEnded.snapshot();
    }
}
