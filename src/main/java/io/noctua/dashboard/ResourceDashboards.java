package io.noctua.dashboard;

import io.noctua.api.DashboardShapes.GetResourceDashboardRequest;
import io.noctua.api.DashboardShapes.GetResourceDashboardResponse;
import io.noctua.api.InvalidRequestException;
import io.noctua.api.ResourceNotFoundException;
import io.noctua.session.LiveSessions;
import io.noctua.session.Session;
import io.noctua.tags.TaggedResource;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * GetResourceDashboard. While the session runs on
 * this server and Spark's UI is on, the URL is Spark's own UI ({@code /jobs/}, where the session's jobs
 * show by their job group, the calculation's id, and the description "Athena calculation ... of session
 * ..."). Otherwise (the session has ended, or the UI is off) it is the console's dashboard page
 * ({@code /console/dashboard?session=ID}), which shows the session's calculations and, for each, the
 * summary of its Spark jobs and stages kept in the store ({@link SparkJobHistories}).
 */
public final class ResourceDashboards {
    public static final String PAGE_PATH = "/console/dashboard";

    private final LiveSessions sessions;
    private final SparkJobHistories histories;
    private final Supplier<String> endpoint;
    private final Supplier<OptionalInt> sparkUiPort;
    private final SparkUiAccess sparkUiAccess;

    /**
     * @param endpoint this server's URL as clients reach it ({@code http://host:port}); Spark's UI is on the same host
     * @param sparkUiPort the port of Spark's UI, when it runs
     */
    public ResourceDashboards(LiveSessions sessions, SparkJobHistories histories, Supplier<String> endpoint, Supplier<OptionalInt> sparkUiPort,
                              SparkUiAccess sparkUiAccess) {
        this.sessions = requireNonNull(sessions, "sessions is null");
        this.histories = requireNonNull(histories, "histories is null");
        this.endpoint = requireNonNull(endpoint, "endpoint is null");
        this.sparkUiPort = requireNonNull(sparkUiPort, "sparkUiPort is null");
        this.sparkUiAccess = requireNonNull(sparkUiAccess, "sparkUiAccess is null");
    }

    public GetResourceDashboardResponse get(GetResourceDashboardRequest request) {
        Session session = session(request.resourceARN());
        return new GetResourceDashboardResponse(liveUiUrl(session).orElseGet(() -> pageUrl(session.sessionId())));
    }

    /** The session a dashboard is asked for: only sessions have one. */
    Session session(String arn) {
        TaggedResource resource = TaggedResource.parse(arn);
        if (!resource.type().equals(TaggedResource.SESSION)) {
            throw new InvalidRequestException("GetResourceDashboard gives the dashboard of a session, and " + arn + " names a "
                    + resource.type() + ": give arn:aws:athena:<region>:<account-id>:session/<session-id>");
        }
        return sessions.find(resource.name())
                .orElseThrow(() -> new ResourceNotFoundException("Session " + resource.name() + " is not found.", resource.name()));
    }

    /** Spark's UI, when the session runs on this server and the UI is on. */
    Optional<String> liveUiUrl(Session session) {
        OptionalInt port = sparkUiPort.get();
        if (port.isEmpty() || session.state().isTerminal() || sessions.machine(session.sessionId()).isEmpty()) {
            return Optional.empty();
        }
        // Spark's UI speaks plain HTTP, on the host clients reach this server by
        String url = "http://" + hostForUrl(URI.create(endpoint.get()).getHost()) + ":" + port.getAsInt() + "/jobs/";
        return Optional.of(sparkUiAccess.urlQuery().map(query -> url + "?" + query).orElse(url));
    }

    private static String hostForUrl(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    String pageUrl(String sessionId) {
        return endpoint.get() + PAGE_PATH + "?session=" + URLEncoder.encode(sessionId, StandardCharsets.UTF_8);
    }

    SparkJobHistories histories() {
        return histories;
    }

    LiveSessions sessions() {
        return sessions;
    }
}
