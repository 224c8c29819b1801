package io.noctua.testing.fakes;

import io.noctua.api.CalculationExecutionState;
import io.noctua.api.SessionState;
import io.noctua.session.CalculationExecution;
import io.noctua.session.Page;
import io.noctua.session.Session;
import io.noctua.session.SessionStore;
import io.noctua.store.StoreException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The store's twin in memory, with the same all-or-nothing writes and compare-and-set, for tests
 * without a database. It can be told to fail every write (as a full disk does), and to call a hook
 * before each write, so a test can hold a write at the moment it wants.
 */
public final class InMemorySessionStore implements SessionStore {
    private final Map<String, Session> sessions = new LinkedHashMap<>();
    private final Map<String, CalculationExecution> calculations = new LinkedHashMap<>();
    private final Map<String, String> codes = new LinkedHashMap<>();
    private volatile boolean failing;
    private volatile Consumer<Change> beforeWrite = change -> { };
    private int writes;

    /** From now on every write fails with a StoreException (reads still work), until called with false. */
    public void failWrites(boolean fail) {
        failing = fail;
    }

    /** Called on the writing thread before each write, outside the store's lock. */
    public void beforeWrite(Consumer<Change> hook) {
        beforeWrite = hook;
    }

    public synchronized int writes() {
        return writes;
    }

    @Override
    public boolean write(Change change) {
        beforeWrite.accept(change);
        synchronized (this) {
            if (failing) {
                throw new StoreException("the store could not write: the disk is full (SQLITE_FULL) at /fake/noctua.db", null);
            }
            if (change.session() != null && change.sessionWas() != null) {
                Session stored = sessions.get(change.session().sessionId());
                if (stored == null || stored.state() != change.sessionWas()) {
                    return false;
                }
            }
            if (change.calculation() != null && change.calculationWas() != null) {
                CalculationExecution stored = calculations.get(change.calculation().calculationExecutionId());
                if (stored == null || stored.state() != change.calculationWas()) {
                    return false;
                }
            }
            if (change.session() != null) {
                if (change.sessionWas() == null && sessions.containsKey(change.session().sessionId())) {
                    return false;
                }
                sessions.put(change.session().sessionId(), change.session());
            }
            if (change.calculation() != null) {
                calculations.put(change.calculation().calculationExecutionId(), change.calculation());
                if (change.code() != null) {
                    codes.put(change.calculation().calculationExecutionId(), change.code());
                }
            }
            writes++;
            return true;
        }
    }

    @Override
    public synchronized Optional<Session> session(String sessionId) {
        return Optional.ofNullable(sessions.get(sessionId));
    }

    @Override
    public synchronized Optional<Session> sessionByToken(String clientRequestToken) {
        return sessions.values().stream().filter(s -> clientRequestToken.equals(s.clientRequestToken())).findFirst();
    }

    @Override
    public synchronized Page<Session> sessions(String workGroup, SessionState stateFilter, Long cursor, int limit) {
        List<Session> all = new ArrayList<>(sessions.values().stream()
                .filter(s -> s.workGroup().equals(workGroup) && (stateFilter == null || s.state() == stateFilter)).toList());
        java.util.Collections.reverse(all);
        return new Page<>(all.subList(0, Math.min(limit, all.size())), Optional.empty());
    }

    @Override
    public synchronized List<Session> unendedSessions(String serverId) { // one server: all are its own
        return sessions.values().stream().filter(s -> !s.state().isTerminal()).toList();
    }

    @Override
    public synchronized Optional<CalculationExecution> calculation(String calculationExecutionId) {
        return Optional.ofNullable(calculations.get(calculationExecutionId));
    }

    @Override
    public synchronized Optional<CalculationExecution> calculationByToken(String sessionId, String clientRequestToken) {
        return calculations.values().stream()
                .filter(c -> c.sessionId().equals(sessionId) && clientRequestToken.equals(c.clientRequestToken())).findFirst();
    }

    @Override
    public synchronized Optional<String> code(String calculationExecutionId) {
        return Optional.ofNullable(codes.get(calculationExecutionId));
    }

    @Override
    public synchronized Page<CalculationExecution> calculations(String sessionId, CalculationExecutionState stateFilter, Long cursor, int limit) {
        List<CalculationExecution> all = calculations.values().stream()
                .filter(c -> c.sessionId().equals(sessionId) && (stateFilter == null || c.state() == stateFilter))
                .sorted(Comparator.comparing(CalculationExecution::submissionDateTime).reversed())
                .toList();
        return new Page<>(all.subList(0, Math.min(limit, all.size())), Optional.empty());
    }

    @Override
    public synchronized List<CalculationExecution> unendedCalculations(String serverId) {
        return calculations.values().stream().filter(c -> !c.state().isTerminal()).toList();
    }
}
