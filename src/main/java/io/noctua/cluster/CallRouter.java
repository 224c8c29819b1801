package io.noctua.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.noctua.http.HttpRequest;
import io.noctua.http.HttpResponse;
import io.noctua.protocol.Router;

import java.util.Comparator;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * Athena's calls that need a session's Spark driver go to the server that runs the session:
 * StartCalculationExecution, StopCalculationExecution, TerminateSession, ListExecutors,
 * GetResourceDashboard (the session's Spark UI is its driver's), and the reads of a calculation still
 * running (its progress lives with its driver). A query's stop goes to
 * the server that runs the query. StartSession goes to the least-loaded live server. Everything else
 * is answered from the shared store by whichever server is called. A call that this server can answer
 * itself (its own session, or nothing live elsewhere) costs at most one read of the store.
 */
public final class CallRouter implements Router {
    private static final Set<String> BY_SESSION = Set.of("StartCalculationExecution", "TerminateSession", "ListExecutors");
    private static final Set<String> BY_CALCULATION = Set.of("StopCalculationExecution", "GetCalculationExecution",
            "GetCalculationExecutionStatus");
    private static final Set<String> BY_QUERY = Set.of("StopQueryExecution");
    /** A session's ARN, as GetResourceDashboard takes it (io.noctua.tags.TaggedResource). */
    private static final Pattern SESSION_ARN = Pattern.compile("arn:aws[a-z-]*:athena:[a-z0-9-]*:[0-9]*:session/(.+)");
    /** The calls clients poll: answered without a read of the store when no other server is live. */
    private static final Set<String> POLLED = Set.of("GetCalculationExecution", "GetCalculationExecutionStatus");

    /** What this server runs itself. */
    public interface Local {
        boolean runsSession(String sessionId);

        /** The calculation is running here, or ended here a moment ago. */
        boolean knowsCalculation(String calculationExecutionId);

        boolean runsQuery(String queryExecutionId);
    }

    private final Membership membership;
    private final ServerStore store;
    private final Local local;
    private final Forwarder forwarder;

    public CallRouter(Membership membership, ServerStore store, Local local, Forwarder forwarder) {
        this.membership = requireNonNull(membership, "membership is null");
        this.store = requireNonNull(store, "store is null");
        this.local = requireNonNull(local, "local is null");
        this.forwarder = requireNonNull(forwarder, "forwarder is null");
    }

    @Override
    public Optional<HttpResponse> route(String operation, JsonNode body, HttpRequest request) {
        if (request.header(InternalCalls.FROM).isPresent()) {
            return Optional.empty(); // forwarded here: answered here, never sent on again
        }
        if (BY_SESSION.contains(operation)) {
            return bySession(body.path("SessionId").asText(), request);
        }
        if (operation.equals("GetResourceDashboard")) {
            Matcher arn = SESSION_ARN.matcher(body.path("ResourceARN").asText());
            return arn.matches() ? bySession(arn.group(1), request) : Optional.empty(); // another ARN is refused here
        }
        if (BY_CALCULATION.contains(operation)) {
            String calculationId = body.path("CalculationExecutionId").asText();
            if (local.knowsCalculation(calculationId) || POLLED.contains(operation) && aloneAtLastCheck()) {
                return Optional.empty();
            }
            return to(store.serverOfCalculation(calculationId), request, "Calculation " + calculationId);
        }
        if (BY_QUERY.contains(operation)) {
            String queryId = body.path("QueryExecutionId").asText();
            if (local.runsQuery(queryId)) {
                return Optional.empty();
            }
            return to(store.serverOfQuery(queryId), request, "QueryExecution " + queryId);
        }
        if (operation.equals("StartSession")) {
            return startSession(request);
        }
        return Optional.empty();
    }

    private Optional<HttpResponse> bySession(String sessionId, HttpRequest request) {
        if (local.runsSession(sessionId)) {
            return Optional.empty();
        }
        return to(store.serverOfSession(sessionId), request, "Session " + sessionId);
    }

    /**
     * No other server was live at the last lease check: the polled reads skip the store read that
     * finds where a calculation runs (one server's status calls cost one read, as before servers
     * shared stores). A server that joined since is seen at the next check, within a quarter lease;
     * until then a poll of its running calculation is answered from the store, without progress.
     */
    private boolean aloneAtLastCheck() {
        return membership.live().stream().allMatch(server -> server.serverId().equals(membership.serverId()));
    }

    /** To the server that runs it, if another live one does; a server whose lease expires is left to the lease check. */
    private Optional<HttpResponse> to(Optional<String> owner, HttpRequest request, String what) {
        if (owner.isEmpty() || owner.get().equals(membership.serverId())) {
            return Optional.empty();
        }
        Optional<ServerStore.Server> server = membership.live(owner.get());
        if (server.isEmpty()) {
            return Optional.empty(); // its lease expired: the lease check is ending its work, and the store answers
        }
        return Optional.of(forwarder.forward(request, server.get(), what));
    }

    /** A new session goes to the live server with the fewest (this one when as few); if that one does not answer, this one takes it. */
    private Optional<HttpResponse> startSession(HttpRequest request) {
        int here = membership.activeSessions();
        Optional<ServerStore.Server> fewest = membership.live().stream()
                .filter(server -> !server.serverId().equals(membership.serverId()))
                .filter(server -> server.activeSessions() < here)
                .min(Comparator.comparingInt(ServerStore.Server::activeSessions).thenComparing(ServerStore.Server::serverId));
        if (fewest.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(forwarder.forward(request, fewest.get(), "The new session"));
        }
        catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
