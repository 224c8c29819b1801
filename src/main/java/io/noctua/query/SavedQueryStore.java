package io.noctua.query;

import io.noctua.session.Page;

import java.util.List;
import java.util.Optional;

/** Where named queries and prepared statements are kept. */
public interface SavedQueryStore {
    /** False if the named query's ClientRequestToken is taken. */
    boolean insert(NamedQuery namedQuery);

    Optional<NamedQuery> namedQuery(String namedQueryId);

    Optional<NamedQuery> namedQueryByToken(String clientRequestToken);

    /** A workgroup's named query ids, newest first, from before {@code cursor} (null: the newest). */
    Page<String> namedQueryIds(String workGroup, Long cursor, int limit);

    /** False if there is no such named query. */
    boolean update(String namedQueryId, String name, String description, String queryString);

    boolean deleteNamedQuery(String namedQueryId);

    /** False if the workgroup has a prepared statement of that name. */
    boolean insert(PreparedStatement statement);

    /** False if the workgroup has no prepared statement of that name. */
    boolean update(PreparedStatement statement);

    Optional<PreparedStatement> preparedStatement(String workGroup, String statementName);

    /** A workgroup's prepared statements by name, after {@code afterName} (null: from the first). */
    List<PreparedStatement> preparedStatements(String workGroup, String afterName, int limit);

    boolean deletePreparedStatement(String workGroup, String statementName);
}
