package io.noctua.store;

import io.noctua.api.CalculationExecutionState;
import io.noctua.calculation.CalculationExecution;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

import static io.noctua.store.Database.instant;
import static io.noctua.store.Database.millis;
import static java.util.Objects.requireNonNull;

/** Calculations and their code in the {@code calculations} table. */
public final class JdbcCalculationStore implements CalculationStore {
    private static final String COLUMNS = "seq, calculation_id, session_id, description, working_directory, "
            + "state, state_change_reason, submission_time, completion_time, dpu_millis, progress, std_out_uri, std_error_uri, "
            + "result_uri, result_type, client_request_token, request_fingerprint";

    private final Database database;

    public JdbcCalculationStore(Database database) {
        this.database = requireNonNull(database, "database is null");
    }


    @Override
    public void insert(CalculationExecution c, String codeBlock) {
        database.execute("INSERT INTO calculations (calculation_id, session_id, description, code, working_directory, state, "
                        + "state_change_reason, submission_time, completion_time, dpu_millis, progress, std_out_uri, "
                        + "std_error_uri, result_uri, result_type, client_request_token, request_fingerprint) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                c.calculationExecutionId(), c.sessionId(), c.description(), codeBlock, c.workingDirectory(), c.state().name(),
                c.stateChangeReason(), millis(c.submissionDateTime()), millis(c.completionDateTime()),
                c.dpuExecutionInMillis(), c.progress(), c.stdOutS3Uri(), c.stdErrorS3Uri(), c.resultS3Uri(), c.resultType(),
                c.clientRequestToken(), c.requestFingerprint());
    }

    @Override
    public Optional<CalculationExecution> get(String calculationExecutionId) {
        return database.queryOne("SELECT " + COLUMNS + " FROM calculations WHERE calculation_id = ?",
                JdbcCalculationStore::calculation, calculationExecutionId);
    }

    @Override
    public Optional<String> code(String calculationExecutionId) {
        return database.queryOne("SELECT code FROM calculations WHERE calculation_id = ?", row -> row.getString(1), calculationExecutionId);
    }

    @Override
    public Optional<CalculationExecution> findByClientRequestToken(String sessionId, String token) {
        return database.queryOne("SELECT " + COLUMNS + " FROM calculations WHERE session_id = ? AND client_request_token = ?",
                JdbcCalculationStore::calculation, sessionId, token);
    }

    @Override
    public boolean update(CalculationExecution c, CalculationExecutionState expected) {
        return database.execute("UPDATE calculations SET state = ?, state_change_reason = ?, completion_time = ?, dpu_millis = ?, "
                        + "progress = ?, std_out_uri = ?, std_error_uri = ?, result_uri = ?, result_type = ? "
                        + "WHERE calculation_id = ? AND state = ?",
                c.state().name(), c.stateChangeReason(), millis(c.completionDateTime()), c.dpuExecutionInMillis(),
                c.progress(), c.stdOutS3Uri(), c.stdErrorS3Uri(), c.resultS3Uri(), c.resultType(),
                c.calculationExecutionId(), expected.name()) == 1;
    }

    @Override
    public Page<CalculationExecution> list(String sessionId, CalculationExecutionState stateFilter, Long cursor, int limit) {
        List<Database.Sequenced<CalculationExecution>> rows = database.query("SELECT " + COLUMNS + " FROM calculations WHERE session_id = ? "
                        + "AND seq < ? AND (? IS NULL OR state = ?) ORDER BY seq DESC LIMIT ?",
                row -> new Database.Sequenced<>(row.getLong(1), calculation(row)), sessionId, cursor == null ? Long.MAX_VALUE : cursor,
                stateFilter == null ? null : stateFilter.name(), stateFilter == null ? null : stateFilter.name(), limit + 1);
        return Database.page(rows, limit);
    }

    @Override
    public List<CalculationExecution> listNotTerminal() {
        return database.query("SELECT " + COLUMNS + " FROM calculations WHERE state NOT IN ('COMPLETED', 'FAILED', 'CANCELED') ORDER BY seq",
                JdbcCalculationStore::calculation);
    }

    private static CalculationExecution calculation(ResultSet row) throws SQLException {
        return new CalculationExecution(row.getString(2), row.getString(3), row.getString(4),
                row.getString(5), CalculationExecutionState.valueOf(row.getString(6)), row.getString(7), instant(row, 8),
                instant(row, 9), row.getLong(10), row.getString(11), row.getString(12), row.getString(13), row.getString(14),
                row.getString(15), row.getString(16), row.getString(17));
    }
}
