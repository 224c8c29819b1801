package io.noctua.query;

import io.noctua.api.QueryExecutionState;
import io.noctua.session.Page;

import java.util.List;
import java.util.Optional;

/** Where query executions are kept; every change of one is a compare-and-set on its state. */
public interface QueryStore {
    /** Records a new query execution; false if its ClientRequestToken is taken (by a concurrent start). */
    boolean insert(QueryExecution query);

    Optional<QueryExecution> get(String queryExecutionId);

    Optional<QueryExecution> byToken(String clientRequestToken);

    /** The ids of a workgroup's query executions, newest first, from before {@code cursor} (null: the newest). */
    Page<String> ids(String workGroup, Long cursor, int limit);

    /** Writes {@code next}'s status if the stored state is still {@code was}; false if it had moved. */
    boolean update(String queryExecutionId, QueryExecutionState was, QueryExecution.Status next);

    /**
     * The query executions not yet ended that the server {@code serverId} runs, oldest first (those
     * stored before servers were recorded count as any server's); with null, every server's.
     */
    List<QueryExecution> unfinished(String serverId);
}
