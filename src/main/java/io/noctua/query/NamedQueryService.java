package io.noctua.query;

import io.noctua.api.InvalidRequestException;
import io.noctua.api.PageTokens;
import io.noctua.api.QueryShapes.BatchGetNamedQueryRequest;
import io.noctua.api.QueryShapes.BatchGetNamedQueryResponse;
import io.noctua.api.QueryShapes.CreateNamedQueryRequest;
import io.noctua.api.QueryShapes.CreateNamedQueryResponse;
import io.noctua.api.QueryShapes.EmptyResponse;
import io.noctua.api.QueryShapes.GetNamedQueryResponse;
import io.noctua.api.QueryShapes.ListNamedQueriesRequest;
import io.noctua.api.QueryShapes.ListNamedQueriesResponse;
import io.noctua.api.QueryShapes.NamedQueryIdRequest;
import io.noctua.api.QueryShapes.UnprocessedNamedQueryId;
import io.noctua.api.QueryShapes.UpdateNamedQueryRequest;
import io.noctua.session.Fingerprints;
import io.noctua.session.Page;
import io.noctua.workgroup.WorkGroupService;
import io.noctua.workgroup.WorkGroupStore;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static java.util.Objects.requireNonNull;

/** Athena's named queries: queries saved in a workgroup under a name, to be run later by their text. */
public final class NamedQueryService {
    private final SavedQueryStore store;
    private final WorkGroupStore workGroups;
    private final Clock clock;
    private final Object tokens = new Object();

    public NamedQueryService(SavedQueryStore store, WorkGroupStore workGroups, Clock clock) {
        this.store = requireNonNull(store, "store is null");
        this.workGroups = requireNonNull(workGroups, "workGroups is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    public CreateNamedQueryResponse create(CreateNamedQueryRequest request) {
        String workGroup = request.workGroup() == null ? WorkGroupService.PRIMARY : request.workGroup();
        workGroups.get(workGroup).orElseThrow(WorkGroupService::notFound);
        String fingerprint = Fingerprints.of(request, "ClientRequestToken");
        synchronized (tokens) {
            if (request.clientRequestToken() != null) {
                Optional<NamedQuery> earlier = store.namedQueryByToken(request.clientRequestToken());
                if (earlier.isPresent()) {
                    if (!fingerprint.equals(earlier.get().requestFingerprint())) {
                        throw new InvalidRequestException("Idempotent parameters do not match", "IDEMPOTENT_PARAMETER_MISMATCH");
                    }
                    return new CreateNamedQueryResponse(earlier.get().namedQueryId());
                }
            }
            NamedQuery created = new NamedQuery(UUID.randomUUID().toString(), request.name(), request.description(), request.database(),
                    request.queryString(), workGroup, request.clientRequestToken(), fingerprint, clock.instant());
            if (!store.insert(created)) {
                throw new InvalidRequestException("Idempotent parameters do not match", "IDEMPOTENT_PARAMETER_MISMATCH");
            }
            return new CreateNamedQueryResponse(created.namedQueryId());
        }
    }

    public GetNamedQueryResponse get(NamedQueryIdRequest request) {
        return new GetNamedQueryResponse(view(require(request.namedQueryId())));
    }

    public BatchGetNamedQueryResponse batchGet(BatchGetNamedQueryRequest request) {
        List<io.noctua.api.QueryShapes.NamedQuery> found = new ArrayList<>();
        List<UnprocessedNamedQueryId> missing = new ArrayList<>();
        for (String id : request.namedQueryIds()) {
            store.namedQuery(id).ifPresentOrElse(q -> found.add(view(q)),
                    () -> missing.add(new UnprocessedNamedQueryId(id, InvalidRequestException.INVALID_INPUT, notFound(id))));
        }
        return new BatchGetNamedQueryResponse(found, missing);
    }

    public ListNamedQueriesResponse list(ListNamedQueriesRequest request) {
        String workGroup = request.workGroup() == null ? WorkGroupService.PRIMARY : request.workGroup();
        workGroups.get(workGroup).orElseThrow(WorkGroupService::notFound);
        int limit = request.maxResults() == null || request.maxResults() == 0 ? 50 : request.maxResults();
        String listing = "named-queries:" + workGroup;
        Page<String> page = store.namedQueryIds(workGroup, PageTokens.decodeLong(listing, request.nextToken()), limit);
        return new ListNamedQueriesResponse(page.items(),
                page.nextCursor().map(cursor -> PageTokens.encode(listing, Long.toString(cursor))).orElse(null));
    }

    public EmptyResponse update(UpdateNamedQueryRequest request) {
        if (!store.update(request.namedQueryId(), request.name(), request.description(), request.queryString())) {
            throw new InvalidRequestException(notFound(request.namedQueryId()));
        }
        return new EmptyResponse();
    }

    public EmptyResponse delete(NamedQueryIdRequest request) {
        if (!store.deleteNamedQuery(request.namedQueryId())) {
            throw new InvalidRequestException(notFound(request.namedQueryId()));
        }
        return new EmptyResponse();
    }

    private NamedQuery require(String id) {
        return store.namedQuery(id).orElseThrow(() -> new InvalidRequestException(notFound(id)));
    }

    private static String notFound(String id) {
        return "NamedQuery " + id + " was not found";
    }

    private static io.noctua.api.QueryShapes.NamedQuery view(NamedQuery q) {
        return new io.noctua.api.QueryShapes.NamedQuery(q.name(), q.description(), q.database(), q.queryString(), q.namedQueryId(),
                q.workGroup());
    }
}
