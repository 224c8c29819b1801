package io.noctua.query;

import io.noctua.api.InvalidRequestException;
import io.noctua.api.PageTokens;
import io.noctua.api.QueryShapes.BatchGetPreparedStatementRequest;
import io.noctua.api.QueryShapes.BatchGetPreparedStatementResponse;
import io.noctua.api.QueryShapes.EmptyResponse;
import io.noctua.api.QueryShapes.GetPreparedStatementResponse;
import io.noctua.api.QueryShapes.ListPreparedStatementsRequest;
import io.noctua.api.QueryShapes.ListPreparedStatementsResponse;
import io.noctua.api.QueryShapes.PreparedStatementNameRequest;
import io.noctua.api.QueryShapes.PreparedStatementRequest;
import io.noctua.api.QueryShapes.PreparedStatementSummary;
import io.noctua.api.QueryShapes.UnprocessedPreparedStatementName;
import io.noctua.api.ResourceNotFoundException;
import io.noctua.engine.SqlStatements;
import io.noctua.workgroup.WorkGroupService;
import io.noctua.workgroup.WorkGroupStore;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * Athena's prepared statements: a statement with {@code ?} markers saved in a workgroup under a
 * name, run with {@code EXECUTE name USING value, ...}. Made through the API or with the SQL
 * statements {@code PREPARE name FROM ...} and {@code DEALLOCATE PREPARE name}.
 */
public final class PreparedStatementService {
    private final SavedQueryStore store;
    private final WorkGroupStore workGroups;
    private final Clock clock;

    public PreparedStatementService(SavedQueryStore store, WorkGroupStore workGroups, Clock clock) {
        this.store = requireNonNull(store, "store is null");
        this.workGroups = requireNonNull(workGroups, "workGroups is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    public EmptyResponse create(PreparedStatementRequest request) {
        PreparedStatement statement = checked(request);
        if (!store.insert(statement)) {
            throw new InvalidRequestException("Prepared statement " + request.statementName() + " already exists in WorkGroup "
                    + request.workGroup());
        }
        return new EmptyResponse();
    }

    public EmptyResponse update(PreparedStatementRequest request) {
        if (!store.update(checked(request))) {
            throw notFound(request.statementName(), request.workGroup());
        }
        return new EmptyResponse();
    }

    private PreparedStatement checked(PreparedStatementRequest request) {
        requireWorkGroup(request.workGroup());
        if (SqlStatements.split(request.queryStatement()).size() != 1) {
            throw new InvalidRequestException("A prepared statement holds exactly one SQL statement");
        }
        return new PreparedStatement(request.workGroup(), request.statementName(), request.queryStatement(), request.description(),
                clock.instant());
    }

    public GetPreparedStatementResponse get(PreparedStatementNameRequest request) {
        requireWorkGroup(request.workGroup());
        return new GetPreparedStatementResponse(view(require(request.workGroup(), request.statementName())));
    }

    public BatchGetPreparedStatementResponse batchGet(BatchGetPreparedStatementRequest request) {
        requireWorkGroup(request.workGroup());
        List<io.noctua.api.QueryShapes.PreparedStatement> found = new ArrayList<>();
        List<UnprocessedPreparedStatementName> missing = new ArrayList<>();
        for (String name : request.preparedStatementNames()) {
            store.preparedStatement(request.workGroup(), name).ifPresentOrElse(p -> found.add(view(p)),
                    () -> missing.add(new UnprocessedPreparedStatementName(name, "RESOURCE_NOT_FOUND",
                            notFound(name, request.workGroup()).getMessage())));
        }
        return new BatchGetPreparedStatementResponse(found, missing);
    }

    public ListPreparedStatementsResponse list(ListPreparedStatementsRequest request) {
        requireWorkGroup(request.workGroup());
        PageTokens.KeyPage<PreparedStatement> page = PageTokens.KeyPage.read("prepared:" + request.workGroup(), request.nextToken(),
                request.maxResults(), 50, (after, limit) -> store.preparedStatements(request.workGroup(), after, limit),
                PreparedStatement::statementName);
        return new ListPreparedStatementsResponse(page.map(p -> new PreparedStatementSummary(p.statementName(), p.lastModifiedTime())),
                page.nextToken());
    }

    public EmptyResponse delete(PreparedStatementNameRequest request) {
        requireWorkGroup(request.workGroup());
        if (!store.deletePreparedStatement(request.workGroup(), request.statementName())) {
            throw notFound(request.statementName(), request.workGroup());
        }
        return new EmptyResponse();
    }

    /** The statement {@code name} of {@code workGroup}, as EXECUTE finds it. */
    PreparedStatement require(String workGroup, String name) {
        return store.preparedStatement(workGroup, name).orElseThrow(() -> notFound(name, workGroup));
    }

    /** {@code PREPARE name FROM statement}: made, or replaced if the name is taken, as Athena does. */
    void prepare(String workGroup, String name, String statement) {
        PreparedStatement prepared = new PreparedStatement(workGroup, name, statement, null, clock.instant());
        if (!store.insert(prepared)) {
            store.update(prepared);
        }
    }

    /** {@code DEALLOCATE PREPARE name}. */
    void deallocate(String workGroup, String name) {
        if (!store.deletePreparedStatement(workGroup, name)) {
            throw notFound(name, workGroup);
        }
    }

    private void requireWorkGroup(String workGroup) {
        workGroups.get(workGroup).orElseThrow(WorkGroupService::notFound);
    }

    private static ResourceNotFoundException notFound(String name, String workGroup) {
        return new ResourceNotFoundException("Prepared statement " + name + " was not found in WorkGroup " + workGroup, name);
    }

    private static io.noctua.api.QueryShapes.PreparedStatement view(PreparedStatement p) {
        return new io.noctua.api.QueryShapes.PreparedStatement(p.statementName(), p.queryStatement(), p.workGroup(), p.description(),
                p.lastModifiedTime());
    }
}
