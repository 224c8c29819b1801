package io.noctua.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.noctua.api.QueryExecutionState;
import io.noctua.engine.QueryEngine.ResultColumn;
import io.noctua.query.QueryExecution;
import io.noctua.query.QueryStore;
import io.noctua.query.StatementKind;
import io.noctua.session.Page;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

import static io.noctua.store.Database.instant;
import static io.noctua.store.Database.millis;
import static java.util.Objects.requireNonNull;

/**
 * Query executions in the {@code query_executions} table, read by column name. The submission is
 * written once; every later write is a compare-and-set on the state. Lists (parameters, result
 * columns) are JSON columns with a mapping of their own.
 */
public final class JdbcQueryStore implements QueryStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {
    };
    private static final TypeReference<List<ResultColumn>> COLUMNS = new TypeReference<>() {
    };
    private static final String COLUMNS_READ = "seq, query_execution_id, query, statement, statement_type, substatement_type, work_group, "
            + "catalog_name, database_name, output_location, execution_parameters, selected_engine_version, effective_engine_version, "
            + "client_request_token, request_fingerprint, submission_time, state, state_change_reason, error_category, error_type, "
            + "error_retryable, error_message, start_time, completion_time, data_scanned_bytes, input_rows, output_rows, result_columns";

    private final Database database;
    private final String serverId;

    /** @param serverId the server whose query executions this store records (each new row names it) */
    public JdbcQueryStore(Database database, String serverId) {
        this.database = requireNonNull(database, "database is null");
        this.serverId = requireNonNull(serverId, "serverId is null");
    }

    @Override
    public boolean insert(QueryExecution query) {
        QueryExecution.Submission s = query.submission();
        QueryExecution.Status t = query.status();
        try {
            database.execute("INSERT INTO query_executions (query_execution_id, query, statement, statement_type, substatement_type, work_group, "
                            + "catalog_name, database_name, output_location, execution_parameters, selected_engine_version, "
                            + "effective_engine_version, client_request_token, request_fingerprint, submission_time, state, "
                            + "state_change_reason, error_category, error_type, error_retryable, error_message, start_time, "
                            + "completion_time, data_scanned_bytes, input_rows, output_rows, result_columns, server_id) "
                            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    s.queryExecutionId(), s.query(), s.statement(), s.kind().statementType(), s.kind().substatementType(), s.workGroup(), s.catalog(),
                    s.database(), s.outputLocation(), json(s.executionParameters()), s.selectedEngineVersion(),
                    s.effectiveEngineVersion(), s.clientRequestToken(), s.requestFingerprint(), millis(s.submissionDateTime()),
                    t.state().name(), t.stateChangeReason(), t.error() == null ? null : t.error().category(),
                    t.error() == null ? null : t.error().type(), t.error() == null ? null : t.error().retryable(),
                    t.error() == null ? null : t.error().message(), millis(t.startDateTime()), millis(t.completionDateTime()),
                    t.dataScannedInBytes(), t.inputRows(), t.outputRows(), json(t.columns()), serverId);
            return true;
        }
        catch (StoreException e) {
            if (s.clientRequestToken() != null && byToken(s.clientRequestToken()).isPresent()) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public Optional<QueryExecution> get(String queryExecutionId) {
        return database.queryOne("SELECT " + COLUMNS_READ + " FROM query_executions WHERE query_execution_id = ?", JdbcQueryStore::query,
                queryExecutionId);
    }

    @Override
    public Optional<QueryExecution> byToken(String clientRequestToken) {
        return database.queryOne("SELECT " + COLUMNS_READ + " FROM query_executions WHERE client_request_token = ?", JdbcQueryStore::query,
                clientRequestToken);
    }

    @Override
    public Page<String> ids(String workGroup, Long cursor, int limit) {
        List<Database.Sequenced<String>> rows = database.query("SELECT seq, query_execution_id FROM query_executions "
                        + "WHERE work_group = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
                row -> new Database.Sequenced<>(row.getLong("seq"), row.getString("query_execution_id")), workGroup,
                cursor == null ? Long.MAX_VALUE : cursor, limit + 1);
        return Database.page(rows, limit);
    }

    @Override
    public boolean update(String queryExecutionId, QueryExecutionState was, QueryExecution.Status t) {
        return database.execute("UPDATE query_executions SET state = ?, state_change_reason = ?, error_category = ?, error_type = ?, "
                        + "error_retryable = ?, error_message = ?, start_time = ?, completion_time = ?, data_scanned_bytes = ?, "
                        + "input_rows = ?, output_rows = ?, result_columns = ? WHERE query_execution_id = ? AND state = ?",
                t.state().name(), t.stateChangeReason(), t.error() == null ? null : t.error().category(),
                t.error() == null ? null : t.error().type(), t.error() == null ? null : t.error().retryable(),
                t.error() == null ? null : t.error().message(), millis(t.startDateTime()), millis(t.completionDateTime()),
                t.dataScannedInBytes(), t.inputRows(), t.outputRows(), json(t.columns()), queryExecutionId, was.name()) == 1;
    }

    @Override
    public List<QueryExecution> unfinished(String serverId) {
        if (serverId == null) {
            return database.query("SELECT " + COLUMNS_READ + " FROM query_executions WHERE state IN ('QUEUED', 'RUNNING') ORDER BY seq",
                    JdbcQueryStore::query);
        }
        return database.query("SELECT " + COLUMNS_READ + " FROM query_executions WHERE state IN ('QUEUED', 'RUNNING') "
                + "AND (server_id = ? OR server_id IS NULL) ORDER BY seq", JdbcQueryStore::query, serverId);
    }

    private static QueryExecution query(ResultSet row) throws SQLException {
        Integer category = (Integer) row.getObject("error_category") == null ? null : row.getInt("error_category");
        QueryExecution.Error error = category == null ? null : new QueryExecution.Error(category, row.getInt("error_type"),
                row.getBoolean("error_retryable"), row.getString("error_message"));
        return new QueryExecution(
                new QueryExecution.Submission(
                        row.getString("query_execution_id"),
                        row.getString("query"),
                        row.getString("statement"),
                        new StatementKind(row.getString("statement_type"), row.getString("substatement_type")),
                        row.getString("work_group"),
                        row.getString("catalog_name"),
                        row.getString("database_name"),
                        row.getString("output_location"),
                        read(row.getString("execution_parameters"), STRINGS),
                        row.getString("selected_engine_version"),
                        row.getString("effective_engine_version"),
                        row.getString("client_request_token"),
                        row.getString("request_fingerprint"),
                        instant(row, "submission_time")),
                new QueryExecution.Status(
                        QueryExecutionState.valueOf(row.getString("state")),
                        row.getString("state_change_reason"),
                        error,
                        instant(row, "start_time"),
                        instant(row, "completion_time"),
                        row.getLong("data_scanned_bytes"),
                        row.getLong("input_rows"),
                        row.getLong("output_rows"),
                        read(row.getString("result_columns"), COLUMNS)));
    }

    private static String json(List<?> values) {
        if (values == null) {
            return null;
        }
        try {
            return JSON.writeValueAsString(values);
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T read(String json, TypeReference<T> type) throws SQLException {
        if (json == null) {
            return null;
        }
        try {
            return JSON.readValue(json, type);
        }
        catch (JsonProcessingException e) {
            throw new SQLException("a stored query execution has unreadable JSON: " + e.getOriginalMessage(), e);
        }
    }
}
