package io.noctua.store;

import io.noctua.query.NamedQuery;
import io.noctua.query.PreparedStatement;
import io.noctua.query.SavedQueryStore;
import io.noctua.session.Page;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

import static io.noctua.store.Database.instant;
import static io.noctua.store.Database.millis;
import static java.util.Objects.requireNonNull;

/** Named queries in {@code named_queries}, prepared statements in {@code prepared_statements}, read by column name. */
public final class JdbcSavedQueryStore implements SavedQueryStore {
    private static final String NAMED = "seq, named_query_id, name, description, database_name, query_string, work_group, "
            + "client_request_token, request_fingerprint, creation_time";
    private static final String PREPARED = "work_group, statement_name, query_statement, description, last_modified_time";

    private final Database database;

    public JdbcSavedQueryStore(Database database) {
        this.database = requireNonNull(database, "database is null");
    }

    @Override
    public boolean insert(NamedQuery q) {
        try {
            database.execute("INSERT INTO named_queries (named_query_id, name, description, database_name, query_string, work_group, "
                            + "client_request_token, request_fingerprint, creation_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    q.namedQueryId(), q.name(), q.description(), q.database(), q.queryString(), q.workGroup(), q.clientRequestToken(),
                    q.requestFingerprint(), millis(q.creationTime()));
            return true;
        }
        catch (StoreException e) {
            if (q.clientRequestToken() != null && namedQueryByToken(q.clientRequestToken()).isPresent()) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public Optional<NamedQuery> namedQuery(String namedQueryId) {
        return database.queryOne("SELECT " + NAMED + " FROM named_queries WHERE named_query_id = ?", JdbcSavedQueryStore::named, namedQueryId);
    }

    @Override
    public Optional<NamedQuery> namedQueryByToken(String clientRequestToken) {
        return database.queryOne("SELECT " + NAMED + " FROM named_queries WHERE client_request_token = ?", JdbcSavedQueryStore::named,
                clientRequestToken);
    }

    @Override
    public Page<String> namedQueryIds(String workGroup, Long cursor, int limit) {
        List<Database.Sequenced<String>> rows = database.query("SELECT seq, named_query_id FROM named_queries WHERE work_group = ? "
                        + "AND seq < ? ORDER BY seq DESC LIMIT ?",
                row -> new Database.Sequenced<>(row.getLong("seq"), row.getString("named_query_id")), workGroup,
                cursor == null ? Long.MAX_VALUE : cursor, limit + 1);
        return Database.page(rows, limit);
    }

    @Override
    public boolean update(String namedQueryId, String name, String description, String queryString) {
        return database.execute("UPDATE named_queries SET name = ?, description = ?, query_string = ? WHERE named_query_id = ?",
                name, description, queryString, namedQueryId) == 1;
    }

    @Override
    public boolean deleteNamedQuery(String namedQueryId) {
        return database.execute("DELETE FROM named_queries WHERE named_query_id = ?", namedQueryId) == 1;
    }

    @Override
    public boolean insert(PreparedStatement p) {
        // one statement, atomic on SQLite and PostgreSQL alike (both spell the upsert this way)
        return database.execute("INSERT INTO prepared_statements (" + PREPARED + ") VALUES (?, ?, ?, ?, ?) "
                + "ON CONFLICT (work_group, statement_name) DO NOTHING", p.workGroup(), p.statementName(), p.queryStatement(),
                p.description(), millis(p.lastModifiedTime())) == 1;
    }

    @Override
    public boolean update(PreparedStatement p) {
        return database.execute("UPDATE prepared_statements SET query_statement = ?, description = ?, last_modified_time = ? "
                + "WHERE work_group = ? AND statement_name = ?", p.queryStatement(), p.description(), millis(p.lastModifiedTime()),
                p.workGroup(), p.statementName()) == 1;
    }

    @Override
    public Optional<PreparedStatement> preparedStatement(String workGroup, String statementName) {
        return database.queryOne("SELECT " + PREPARED + " FROM prepared_statements WHERE work_group = ? AND statement_name = ?",
                JdbcSavedQueryStore::prepared, workGroup, statementName);
    }

    @Override
    public List<PreparedStatement> preparedStatements(String workGroup, String afterName, int limit) {
        return database.query("SELECT " + PREPARED + " FROM prepared_statements WHERE work_group = ? AND statement_name > ? "
                + "ORDER BY statement_name LIMIT ?", JdbcSavedQueryStore::prepared, workGroup, afterName == null ? "" : afterName, limit);
    }

    @Override
    public boolean deletePreparedStatement(String workGroup, String statementName) {
        return database.execute("DELETE FROM prepared_statements WHERE work_group = ? AND statement_name = ?", workGroup, statementName) == 1;
    }

    private static NamedQuery named(ResultSet row) throws SQLException {
        return new NamedQuery(row.getString("named_query_id"), row.getString("name"), row.getString("description"),
                row.getString("database_name"), row.getString("query_string"), row.getString("work_group"),
                row.getString("client_request_token"), row.getString("request_fingerprint"), instant(row, "creation_time"));
    }

    private static PreparedStatement prepared(ResultSet row) throws SQLException {
        return new PreparedStatement(row.getString("work_group"), row.getString("statement_name"), row.getString("query_statement"),
                row.getString("description"), instant(row, "last_modified_time"));
    }
}
