package io.noctua.store;

import io.noctua.api.SessionShapes.EngineConfiguration;
import io.noctua.api.SessionState;
import io.noctua.session.Session;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

import static io.noctua.store.Database.instant;
import static io.noctua.store.Database.millis;
import static java.util.Objects.requireNonNull;

/** Sessions in the {@code sessions} table; state changes are compare-and-set on the stored state. */
public final class JdbcSessionStore implements SessionStore {
    private static final String COLUMNS = "seq, session_id, work_group, description, engine_configuration, "
            + "notebook_version, execution_role, idle_timeout_minutes, working_directory, state, state_change_reason, "
            + "start_time, last_modified_time, end_time, idle_since_time, dpu_millis, client_request_token, request_fingerprint";

    private final Database database;

    public JdbcSessionStore(Database database) {
        this.database = requireNonNull(database, "database is null");
    }


    @Override
    public void insert(Session s) {
        database.execute("INSERT INTO sessions (session_id, work_group, description, engine_configuration, notebook_version, "
                        + "execution_role, idle_timeout_minutes, working_directory, state, state_change_reason, start_time, "
                        + "last_modified_time, end_time, idle_since_time, dpu_millis, client_request_token, request_fingerprint) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                s.sessionId(), s.workGroup(), s.description(), Database.json(s.engineConfiguration()), s.notebookVersion(),
                s.executionRole(), s.idleTimeoutMinutes(), s.workingDirectory(), s.state().name(), s.stateChangeReason(),
                millis(s.startDateTime()), millis(s.lastModifiedDateTime()), millis(s.endDateTime()),
                millis(s.idleSinceDateTime()), s.dpuExecutionInMillis(), s.clientRequestToken(), s.requestFingerprint());
    }

    @Override
    public Optional<Session> get(String sessionId) {
        return database.queryOne("SELECT " + COLUMNS + " FROM sessions WHERE session_id = ?", JdbcSessionStore::session, sessionId);
    }

    @Override
    public Optional<Session> findByClientRequestToken(String token) {
        return database.queryOne("SELECT " + COLUMNS + " FROM sessions WHERE client_request_token = ?", JdbcSessionStore::session, token);
    }

    @Override
    public boolean update(Session s, SessionState expected) {
        return database.execute("UPDATE sessions SET state = ?, state_change_reason = ?, last_modified_time = ?, end_time = ?, "
                        + "idle_since_time = ?, dpu_millis = ? WHERE session_id = ? AND state = ?",
                s.state().name(), s.stateChangeReason(), millis(s.lastModifiedDateTime()), millis(s.endDateTime()),
                millis(s.idleSinceDateTime()), s.dpuExecutionInMillis(), s.sessionId(), expected.name()) == 1;
    }

    @Override
    public Page<Session> list(String workGroup, SessionState stateFilter, Long cursor, int limit) {
        List<Database.Sequenced<Session>> rows = database.query("SELECT " + COLUMNS + " FROM sessions WHERE work_group = ? AND seq < ? "
                        + "AND (? IS NULL OR state = ?) ORDER BY seq DESC LIMIT ?",
                row -> new Database.Sequenced<>(row.getLong(1), session(row)), workGroup, cursor == null ? Long.MAX_VALUE : cursor,
                stateFilter == null ? null : stateFilter.name(), stateFilter == null ? null : stateFilter.name(), limit + 1);
        return Database.page(rows, limit);
    }

    @Override
    public List<Session> listNotTerminal() {
        return database.query("SELECT " + COLUMNS + " FROM sessions WHERE state NOT IN ('TERMINATED', 'FAILED') ORDER BY seq",
                JdbcSessionStore::session);
    }

    @Override
    public int countByWorkGroup(String workGroup) {
        return database.queryOne("SELECT COUNT(*) FROM sessions WHERE work_group = ?", row -> row.getInt(1), workGroup).orElse(0);
    }

    private static Session session(ResultSet row) throws SQLException {
        return new Session(row.getString(2), row.getString(3), row.getString(4),
                Database.fromJson(row.getString(5), EngineConfiguration.class), row.getString(6), row.getString(7), row.getInt(8),
                row.getString(9), SessionState.valueOf(row.getString(10)), row.getString(11), instant(row, 12),
                instant(row, 13), instant(row, 14), instant(row, 15), row.getLong(16), row.getString(17), row.getString(18));
    }
}
