package io.noctua.store;

import io.noctua.api.SessionState;
import io.noctua.session.Session;

import java.util.List;
import java.util.Optional;

public interface SessionStore {
    void insert(Session session);

    Optional<Session> get(String sessionId);

    Optional<Session> findByClientRequestToken(String token);

    /** Compare-and-set: writes {@code next} only if the stored state is still {@code expected}. */
    boolean update(Session next, SessionState expected);

    /** Newest first; {@code cursor} from a previous page, or null. */
    Page<Session> list(String workGroup, SessionState stateFilter, Long cursor, int limit);

    List<Session> listNotTerminal();

    int countByWorkGroup(String workGroup);
}
