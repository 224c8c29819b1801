package io.noctua.session;

import io.noctua.api.InvalidRequestException;
import io.noctua.api.SessionShapes.EngineConfiguration;
import io.noctua.api.SessionState;
import io.noctua.store.Page;
import io.noctua.store.SessionStore;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LiveSessionTest {
    /** Sessions in a map, with the store's compare-and-set. */
    private static final class InMemorySessionStore implements SessionStore {
        private final Map<String, Session> sessions = new HashMap<>();

        @Override
        public void insert(Session session) {
            sessions.put(session.sessionId(), session);
        }

        @Override
        public Optional<Session> get(String sessionId) {
            return Optional.ofNullable(sessions.get(sessionId));
        }

        @Override
        public Optional<Session> findByClientRequestToken(String token) {
            return sessions.values().stream().filter(s -> token.equals(s.clientRequestToken())).findFirst();
        }

        @Override
        public boolean update(Session next, SessionState expected) {
            Session current = sessions.get(next.sessionId());
            if (current == null || current.state() != expected) {
                return false;
            }
            sessions.put(next.sessionId(), next);
            return true;
        }

        @Override
        public Page<Session> list(String workGroup, SessionState stateFilter, Long cursor, int limit) {
            return new Page<>(new ArrayList<>(sessions.values()), Optional.empty());
        }

        @Override
        public List<Session> listNotTerminal() {
            return sessions.values().stream().filter(s -> !s.state().isTerminal()).toList();
        }

        @Override
        public int countByWorkGroup(String workGroup) {
            return sessions.size();
        }
    }

    private final InMemorySessionStore store = new InMemorySessionStore();
    private final List<String> ended = new ArrayList<>();

    private LiveSession creatingSession() {
        Instant now = Instant.now();
        Session session = new Session("11111111-2222-3333-4444-555555555555", "spark", null,
                new EngineConfiguration(1, 2, 1, null, null, null), "Athena notebook version 1", null, 20, "s3://bucket/",
                SessionState.CREATING, null, now, now, null, null, 0, null, "fingerprint");
        store.insert(session);
        return new LiveSession(session, store, Clock.systemUTC(), live -> ended.add(live.sessionId()));
    }

    @Test
    void aCalculationBeforeTheSessionIsIdleGetsAthenasErrorNotAnInternalOne() {
        LiveSession session = creatingSession();

        InvalidRequestException engine = assertThrows(InvalidRequestException.class, session::engine);
        assertEquals("Session is in the CREATING state; needs to be IDLE to accept Calculations.", engine.getMessage());
        InvalidRequestException accept = assertThrows(InvalidRequestException.class, () -> session.accept(null, () -> { }));
        assertEquals("Session is in the CREATING state; needs to be IDLE to accept Calculations.", accept.getMessage());
    }

    @Test
    void terminatingASessionStillCreatingEndsItAndStoresTheReason() {
        LiveSession session = creatingSession();

        assertEquals(SessionState.TERMINATED, session.terminate("Terminated by TerminateSession"));
        Session stored = store.get(session.sessionId()).orElseThrow();
        assertEquals(SessionState.TERMINATED, stored.state());
        assertEquals("Terminated by TerminateSession", stored.stateChangeReason());
        assertTrue(stored.endDateTime() != null);
        assertEquals(List.of(session.sessionId()), ended);
        assertEquals(SessionState.TERMINATED, session.terminate("again"), "a second terminate changes nothing");
        assertEquals("Terminated by TerminateSession", store.get(session.sessionId()).orElseThrow().stateChangeReason());
    }

    @Test
    void aFailedStartIsRecordedWithItsReason() {
        LiveSession session = creatingSession();
        session.creationFailed("The session could not start: boom");

        assertEquals(SessionState.FAILED, store.get(session.sessionId()).orElseThrow().state());
        assertEquals("The session could not start: boom", store.get(session.sessionId()).orElseThrow().stateChangeReason());
    }

    @Test
    void everyStoredReasonFitsTheModelsLength() {
        LiveSession session = creatingSession();
        session.creationFailed("x".repeat(5000));

        String stored = store.get(session.sessionId()).orElseThrow().stateChangeReason();
        assertEquals(1024, stored.length());
        assertTrue(stored.endsWith("..."));
    }
}
