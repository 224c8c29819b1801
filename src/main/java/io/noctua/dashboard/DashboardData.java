package io.noctua.dashboard;

import io.noctua.api.InvalidRequestException;
import io.noctua.api.ResourceNotFoundException;
import io.noctua.engine.SparkJobHistory;
import io.noctua.http.HttpRequest;
import io.noctua.http.HttpResponse;
import io.noctua.http.Route;
import io.noctua.protocol.JsonCodec;
import io.noctua.session.CalculationExecution;
import io.noctua.session.Session;
import io.noctua.session.SessionStore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * What the console's dashboard page shows, as JSON, at {@code /console/dashboard-data?session=ID}: the
 * session, its latest calculations with their code and the Spark jobs and stages kept for each, and, while
 * it runs here, the URL of Spark's UI. Times are milliseconds since the epoch. Mounted where the API's
 * rules apply (a signature when the server checks them); a refusal is an AWS error, as the API's are.
 */
public final class DashboardData implements Route {
    public static final String PATH = "/console/dashboard-data";
    /** Code is shown up to this many characters, which is enough to recognise a calculation by. */
    private static final int MAX_CODE = 4000;

    private final ResourceDashboards dashboards;

    public DashboardData(ResourceDashboards dashboards) {
        this.dashboards = requireNonNull(dashboards, "dashboards is null");
    }

    /** The session and what is kept of its calculations. */
    public record SessionHistory(String sessionId, String workGroup, String description, String state, String stateChangeReason,
                                 Long startTime, Long endTime, String sparkUiUrl, int calculationsKept, List<CalculationHistory> calculations) {
    }

    /** A calculation and its Spark jobs; {@code sparkJobs} is null when none were kept (it ran none, or it is still running). */
    public record CalculationHistory(String calculationExecutionId, String description, String state, String stateChangeReason,
                                     Long submissionTime, Long completionTime, String code, Boolean codeCut, SparkJobHistory sparkJobs) {
    }

    @Override
    public HttpResponse handle(HttpRequest request) {
        if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
            return HttpResponse.text(405, "the dashboard's data is read with GET\n");
        }
        String sessionId = request.queryParameters().get("session");
        if (sessionId == null || sessionId.isBlank()) {
            throw new InvalidRequestException("give the session: " + PATH + "?session=<session-id>");
        }
        Session session = dashboards.sessions().find(sessionId)
                .orElseThrow(() -> new ResourceNotFoundException("Session " + sessionId + " is not found.", sessionId));
        return HttpResponse.of(200, "application/json", JsonCodec.encode(history(session)))
                .withHeader("Cache-Control", "no-store")
                .withHeader("X-Content-Type-Options", "nosniff");
    }

    SessionHistory history(Session session) {
        SessionStore store = dashboards.sessions().store();
        Map<String, SparkJobHistory> kept = dashboards.histories().ofSession(session.sessionId());
        List<CalculationHistory> calculations = new ArrayList<>();
        for (CalculationExecution stored : store.calculations(session.sessionId(), null, null, SparkJobHistories.CALCULATIONS_KEPT).items()) {
            CalculationExecution calculation = dashboards.sessions().freshest(stored);
            String code = store.code(calculation.calculationExecutionId()).orElse("");
            boolean cut = code.length() > MAX_CODE;
            calculations.add(new CalculationHistory(calculation.calculationExecutionId(), calculation.description(), calculation.state().name(),
                    calculation.stateChangeReason(), millis(calculation.submissionDateTime()), millis(calculation.completionDateTime()),
                    cut ? code.substring(0, MAX_CODE) : code, cut ? Boolean.TRUE : null, kept.get(calculation.calculationExecutionId())));
        }
        String liveUi = dashboards.liveUiUrl(session).orElse(null);
        return new SessionHistory(session.sessionId(), session.workGroup(), session.description(), session.state().name(),
                session.stateChangeReason(), millis(session.startDateTime()), millis(session.endDateTime()), liveUi,
                SparkJobHistories.CALCULATIONS_KEPT, calculations);
    }

    private static Long millis(Instant instant) {
        return instant == null ? null : instant.toEpochMilli();
    }
}
