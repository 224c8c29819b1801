package io.noctua.store;

import io.noctua.api.CalculationExecutionState;
import io.noctua.api.SessionState;
import io.noctua.session.CalculationExecution;
import io.noctua.session.Page;
import io.noctua.session.Session;
import io.noctua.session.SessionStore;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

import static io.noctua.store.Database.instant;
import static io.noctua.store.Database.millis;
import static java.util.Objects.requireNonNull;

/**
 * Sessions in the {@code sessions} table and their calculations, with their code, in
 * {@code calculations}. Rows are read by column name; a {@link Change} is one transaction in which
 * every changed row is a compare-and-set on its state.
 */
public final class JdbcSessionStore implements SessionStore {
    private static final String SESSION_COLUMNS = "seq, session_id, work_group, description, engine_configuration, "
            + "notebook_version, execution_role, monitoring_configuration, idle_timeout_minutes, working_directory, state, "
            + "state_change_reason, start_time, last_modified_time, end_time, idle_since_time, dpu_millis, client_request_token, "
            + "request_fingerprint";
    private static final String CALCULATION_COLUMNS = "seq, calculation_id, session_id, description, working_directory, "
            + "state, state_change_reason, submission_time, completion_time, dpu_millis, progress, std_out_uri, std_error_uri, "
            + "result_uri, result_type, client_request_token, request_fingerprint";

    /** The calculation columns qualified by the alias {@code c}, for reads that join the sessions. */
    private static final String CALCULATION_COLUMNS_OF_C = String.join(", ",
            java.util.Arrays.stream(CALCULATION_COLUMNS.split(",\\s*")).map(column -> "c." + column).toList());

    private final Database database;
    private final String serverId;

    /** @param serverId the server whose sessions this store records: each new session row names it */
    public JdbcSessionStore(Database database, String serverId) {
        this.database = requireNonNull(database, "database is null");
        this.serverId = requireNonNull(serverId, "serverId is null");
    }

    // ---- sessions

    @Override
    public Optional<Session> session(String sessionId) {
        return database.queryOne("SELECT " + SESSION_COLUMNS + " FROM sessions WHERE session_id = ?", JdbcSessionStore::session, sessionId);
    }

    @Override
    public Optional<Session> sessionByToken(String clientRequestToken) {
        return database.queryOne("SELECT " + SESSION_COLUMNS + " FROM sessions WHERE client_request_token = ?", JdbcSessionStore::session,
                clientRequestToken);
    }

    @Override
    public Page<Session> sessions(String workGroup, SessionState stateFilter, Long cursor, int limit) {
        List<Database.Sequenced<Session>> rows = database.query("SELECT " + SESSION_COLUMNS + " FROM sessions WHERE work_group = ? "
                        + "AND seq < ? AND (CAST(? AS TEXT) IS NULL OR state = ?) ORDER BY seq DESC LIMIT ?",
                row -> new Database.Sequenced<>(row.getLong("seq"), session(row)), workGroup, cursor == null ? Long.MAX_VALUE : cursor,
                stateFilter == null ? null : stateFilter.name(), stateFilter == null ? null : stateFilter.name(), limit + 1);
        return Database.page(rows, limit);
    }

    @Override
    public List<Session> unendedSessions(String serverId) {
        return database.query("SELECT " + SESSION_COLUMNS + " FROM sessions WHERE state NOT IN ('TERMINATED', 'FAILED') "
                + "AND (server_id = ? OR server_id IS NULL) ORDER BY seq", JdbcSessionStore::session, serverId);
    }

    // ---- calculations

    @Override
    public Optional<CalculationExecution> calculation(String calculationExecutionId) {
        return database.queryOne("SELECT " + CALCULATION_COLUMNS + " FROM calculations WHERE calculation_id = ?",
                JdbcSessionStore::calculation, calculationExecutionId);
    }

    @Override
    public Optional<CalculationExecution> calculationByToken(String sessionId, String clientRequestToken) {
        return database.queryOne("SELECT " + CALCULATION_COLUMNS + " FROM calculations WHERE session_id = ? AND client_request_token = ?",
                JdbcSessionStore::calculation, sessionId, clientRequestToken);
    }

    @Override
    public Optional<String> code(String calculationExecutionId) {
        return database.queryOne("SELECT code FROM calculations WHERE calculation_id = ?", row -> row.getString("code"), calculationExecutionId);
    }

    @Override
    public Page<CalculationExecution> calculations(String sessionId, CalculationExecutionState stateFilter, Long cursor, int limit) {
        List<Database.Sequenced<CalculationExecution>> rows = database.query("SELECT " + CALCULATION_COLUMNS + " FROM calculations "
                        + "WHERE session_id = ? AND seq < ? AND (CAST(? AS TEXT) IS NULL OR state = ?) ORDER BY seq DESC LIMIT ?",
                row -> new Database.Sequenced<>(row.getLong("seq"), calculation(row)), sessionId, cursor == null ? Long.MAX_VALUE : cursor,
                stateFilter == null ? null : stateFilter.name(), stateFilter == null ? null : stateFilter.name(), limit + 1);
        return Database.page(rows, limit);
    }

    @Override
    public List<CalculationExecution> unendedCalculations(String serverId) {
        return database.query("SELECT " + CALCULATION_COLUMNS_OF_C + " FROM calculations c JOIN sessions s ON s.session_id = c.session_id "
                + "WHERE c.state NOT IN ('COMPLETED', 'FAILED', 'CANCELED') AND (s.server_id = ? OR s.server_id IS NULL) ORDER BY c.seq",
                JdbcSessionStore::calculation, serverId);
    }

    // ---- the one write

    /** A row whose state was not the expected one: the whole change is rolled back. */
    private static final class StateMoved extends RuntimeException {
        StateMoved() {
            super(null, null, false, false);
        }
    }

    @Override
    public boolean write(Change change) {
        try {
            return database.inTransaction(() -> {
                if (change.session() != null) {
                    writeSession(change.session(), change.sessionWas());
                }
                if (change.calculation() != null) {
                    writeCalculation(change.calculation(), change.calculationWas(), change.code());
                }
                return true;
            });
        }
        catch (StateMoved e) {
            return false;
        }
        catch (StoreException e) {
            // a new session whose token another server stored at the same moment: not written, as a row that exists
            Session created = change.sessionWas() == null ? change.session() : null;
            if (created != null && created.clientRequestToken() != null && sessionByToken(created.clientRequestToken()).isPresent()) {
                return false;
            }
            throw e;
        }
    }

    private void writeSession(Session s, SessionState was) {
        if (was == null) {
            database.execute("INSERT INTO sessions (session_id, work_group, description, engine_configuration, notebook_version, "
                            + "execution_role, monitoring_configuration, idle_timeout_minutes, working_directory, state, state_change_reason, "
                            + "start_time, last_modified_time, end_time, idle_since_time, dpu_millis, client_request_token, "
                            + "request_fingerprint, server_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    s.sessionId(), s.workGroup(), s.description(), StoredJson.engineConfiguration(s.engineConfiguration()),
                    s.notebookVersion(), s.executionRole(), StoredJson.monitoringConfiguration(s.monitoringConfiguration()),
                    s.idleTimeoutMinutes(), s.workingDirectory(), s.state().name(),
                    s.stateChangeReason(), millis(s.startDateTime()), millis(s.lastModifiedDateTime()), millis(s.endDateTime()),
                    millis(s.idleSinceDateTime()), s.dpuExecutionInMillis(), s.clientRequestToken(), s.requestFingerprint(), serverId);
            return;
        }
        int updated = database.execute("UPDATE sessions SET state = ?, state_change_reason = ?, last_modified_time = ?, end_time = ?, "
                        + "idle_since_time = ?, dpu_millis = ? WHERE session_id = ? AND state = ?",
                s.state().name(), s.stateChangeReason(), millis(s.lastModifiedDateTime()), millis(s.endDateTime()),
                millis(s.idleSinceDateTime()), s.dpuExecutionInMillis(), s.sessionId(), was.name());
        if (updated != 1) {
            throw new StateMoved();
        }
    }

    private void writeCalculation(CalculationExecution c, CalculationExecutionState was, String code) {
        if (was == null) {
            database.execute("INSERT INTO calculations (calculation_id, session_id, description, code, working_directory, state, "
                            + "state_change_reason, submission_time, completion_time, dpu_millis, progress, std_out_uri, "
                            + "std_error_uri, result_uri, result_type, client_request_token, request_fingerprint) "
                            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    c.calculationExecutionId(), c.sessionId(), c.description(), code, c.workingDirectory(), c.state().name(),
                    c.stateChangeReason(), millis(c.submissionDateTime()), millis(c.completionDateTime()),
                    c.dpuExecutionInMillis(), c.progress(), c.stdOutS3Uri(), c.stdErrorS3Uri(), c.resultS3Uri(), c.resultType(),
                    c.clientRequestToken(), c.requestFingerprint());
            return;
        }
        int updated = database.execute("UPDATE calculations SET state = ?, state_change_reason = ?, completion_time = ?, dpu_millis = ?, "
                        + "progress = ?, std_out_uri = ?, std_error_uri = ?, result_uri = ?, result_type = ? "
                        + "WHERE calculation_id = ? AND state = ?",
                c.state().name(), c.stateChangeReason(), millis(c.completionDateTime()), c.dpuExecutionInMillis(),
                c.progress(), c.stdOutS3Uri(), c.stdErrorS3Uri(), c.resultS3Uri(), c.resultType(),
                c.calculationExecutionId(), was.name());
        if (updated != 1) {
            throw new StateMoved();
        }
    }

    // ---- rows to records, by column name

    private static Session session(ResultSet row) throws SQLException {
        return Session.builder()
                .sessionId(row.getString("session_id"))
                .workGroup(row.getString("work_group"))
                .description(row.getString("description"))
                .engineConfiguration(StoredJson.engineConfiguration(row.getString("engine_configuration")))
                .notebookVersion(row.getString("notebook_version"))
                .executionRole(row.getString("execution_role"))
                .monitoringConfiguration(StoredJson.monitoringConfiguration(row.getString("monitoring_configuration")))
                .idleTimeoutMinutes(row.getInt("idle_timeout_minutes"))
                .workingDirectory(row.getString("working_directory"))
                .state(SessionState.valueOf(row.getString("state")))
                .stateChangeReason(row.getString("state_change_reason"))
                .startDateTime(instant(row, "start_time"))
                .lastModifiedDateTime(instant(row, "last_modified_time"))
                .endDateTime(instant(row, "end_time"))
                .idleSinceDateTime(instant(row, "idle_since_time"))
                .dpuExecutionInMillis(row.getLong("dpu_millis"))
                .clientRequestToken(row.getString("client_request_token"))
                .requestFingerprint(row.getString("request_fingerprint"))
                .build();
    }

    private static CalculationExecution calculation(ResultSet row) throws SQLException {
        return CalculationExecution.builder()
                .calculationExecutionId(row.getString("calculation_id"))
                .sessionId(row.getString("session_id"))
                .description(row.getString("description"))
                .workingDirectory(row.getString("working_directory"))
                .state(CalculationExecutionState.valueOf(row.getString("state")))
                .stateChangeReason(row.getString("state_change_reason"))
                .submissionDateTime(instant(row, "submission_time"))
                .completionDateTime(instant(row, "completion_time"))
                .dpuExecutionInMillis(row.getLong("dpu_millis"))
                .progress(row.getString("progress"))
                .stdOutS3Uri(row.getString("std_out_uri"))
                .stdErrorS3Uri(row.getString("std_error_uri"))
                .resultS3Uri(row.getString("result_uri"))
                .resultType(row.getString("result_type"))
                .clientRequestToken(row.getString("client_request_token"))
                .requestFingerprint(row.getString("request_fingerprint"))
                .build();
    }
}
