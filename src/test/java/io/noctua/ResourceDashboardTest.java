package io.noctua;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.noctua.testing.Athena;
import io.noctua.testing.Browser;
import io.noctua.testing.ServerExtension;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.InvalidRequestException;
import software.amazon.awssdk.services.athena.model.ResourceNotFoundException;
import software.amazon.awssdk.services.athena.model.SessionState;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GetResourceDashboard through the AWS SDK for Java v2 on a real server and real Spark: while a session
 * runs, Spark's own UI, which lists the session's job by its job group and description; after it ends
 * (and after a restart), the console's dashboard page and the data it shows, the calculation with its
 * Spark jobs and stages, also in a real browser where there is one; and the errors.
 */
class ResourceDashboardTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A job with a shuffle: two stages, the second reading what the first wrote. */
    private static final String GROUPED = "%%sql\nSELECT id % 3 AS k, count(*) AS n FROM range(1000) GROUP BY id % 3 ORDER BY k";
    /** The cells here are SQL: no Python worker is started ahead of need. */
    private static final Map<String, String> SETTINGS = Map.of("python.warm-workers", "0");

    @RegisterExtension
    static final ServerExtension running = new ServerExtension(SETTINGS);

    private final TestingServer server = running.server();
    private final AthenaClient athena = running.client();
    private final HttpClient http = HttpClient.newHttpClient();

    private static String arn(String sessionId) {
        return "arn:aws:athena:us-east-1:123456789012:session/" + sessionId;
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theUrlAnswersWhileTheSessionRunsAndAfterItEndsShowingThatSessionsJobs() throws Exception {
        String sessionId = Athena.startIdleSession(athena);
        // the comment is markup that must stay text wherever the code is shown
        String code = GROUPED + " -- <img src=x id=injected onerror=\"window.pwned=1\">";
        String calculationId = server.runCompleted(sessionId, code).calculationExecutionId();

        // while it runs: Spark's own UI, on the server's host, on a port of its own
        URI live = URI.create(athena.getResourceDashboard(r -> r.resourceARN(arn(sessionId))).url());
        assertEquals(server.endpoint().getHost(), live.getHost());
        assertNotEquals(server.endpoint().getPort(), live.getPort());
        assertNotEquals(4040, live.getPort());
        assertEquals("/jobs/", live.getPath());
        HttpResponse<String> jobsPage = get(live.toString());
        assertEquals(200, jobsPage.statusCode());
        assertTrue(jobsPage.body().contains("(" + calculationId + ")"), "the job group, beside the job's id, on Spark's jobs page");
        assertTrue(jobsPage.body().contains("Athena calculation " + calculationId + " of session " + sessionId), "the job's description");
        // Spark's UI is read-only, and refuses a page of another site as the API does
        assertEquals(405, http.send(HttpRequest.newBuilder(live).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(403, http.send(HttpRequest.newBuilder(live).header("Origin", "http://evil.example").build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());

        athena.terminateSession(r -> r.sessionId(sessionId));
        Athena.awaitSession(athena, sessionId, SessionState.TERMINATED);

        // after it ends: the console's page, and what it shows
        String page = athena.getResourceDashboard(r -> r.resourceARN(arn(sessionId))).url();
        assertEquals(server.endpoint() + "/console/dashboard?session=" + sessionId, page);
        HttpResponse<String> html = get(page);
        assertEquals(200, html.statusCode());
        assertTrue(html.body().contains("/console/dashboard.js"), html.body());
        assertTrue(html.headers().firstValue("Content-Security-Policy").orElse("").contains("script-src 'self'"));
        assertCalculationWithJobsAndStages(sessionHistory(server, sessionId), sessionId, calculationId, code);
        assertThePageShowsThem(page, sessionId, calculationId);
    }

    /** The page in headless Chromium, where it can run: the calculation, its job and stages, the code as text. */
    private static void assertThePageShowsThem(String page, String sessionId, String calculationId) throws Exception {
        String missing = Browser.missing();
        if (missing != null) {
            System.out.println("ResourceDashboardTest: the page is not opened in a browser: " + missing);
            return;
        }
        try (Browser browser = Browser.start()) {
            browser.open(page);
            String item = "li[data-calculation='" + calculationId + "']";
            browser.await(item + " table.jobs", Duration.ofSeconds(20));
            String shown = browser.text(browser.findAll(item).get(0));
            assertTrue(shown.contains("Athena calculation " + calculationId + " of session " + sessionId), shown);
            assertTrue(shown.contains("SUCCEEDED") && shown.contains("COMPLETE"), shown);
            assertTrue(shown.contains("<img src=x id=injected"), "the code, as text: " + shown);
            assertEquals(2, browser.findAll(item + " table.jobs").size(), "a table of jobs and one of stages");
            assertTrue(browser.findAll(item + " table.jobs tbody tr").size() >= 3, "a job and at least two stages");
            assertEquals(List.of(), browser.findAll("#injected"));
            assertTrue(browser.script("return window.pwned === undefined").asBoolean());
            assertTrue(browser.text(browser.await("#session-facts", Duration.ofSeconds(5))).contains("TERMINATED"));
        }
    }

    /** The data the dashboard page shows, once the calculation's jobs have been kept (they are written as Spark reports them). */
    private JsonNode sessionHistory(TestingServer on, String sessionId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            HttpResponse<String> response = get(on.endpoint() + "/console/dashboard-data?session=" + sessionId);
            assertEquals(200, response.statusCode(), response.body());
            JsonNode data = JSON.readTree(response.body());
            if (data.path("Calculations").path(0).has("SparkJobs") || System.nanoTime() > deadline) {
                return data;
            }
            Thread.sleep(50);
        }
    }

    private static void assertCalculationWithJobsAndStages(JsonNode data, String sessionId, String calculationId, String code) {
        assertEquals(sessionId, data.path("SessionId").asText());
        assertEquals("TERMINATED", data.path("State").asText());
        assertFalse(data.has("SparkUiUrl"), "no live UI for an ended session: " + data);
        JsonNode calculation = data.path("Calculations").path(0);
        assertEquals(calculationId, calculation.path("CalculationExecutionId").asText());
        assertEquals("COMPLETED", calculation.path("State").asText());
        assertEquals(code, calculation.path("Code").asText());
        JsonNode jobs = calculation.path("SparkJobs").path("Jobs");
        assertTrue(jobs.size() >= 1, "the calculation's Spark jobs: " + calculation);
        List<Integer> stageIds = new ArrayList<>();
        for (JsonNode job : jobs) {
            assertEquals(calculationId, job.path("JobGroup").asText());
            assertEquals("Athena calculation " + calculationId + " of session " + sessionId, job.path("Description").asText());
            assertEquals("SUCCEEDED", job.path("Status").asText());
            assertTrue(job.path("CompletionTime").asLong() >= job.path("SubmissionTime").asLong(), job.toString());
            assertEquals(job.path("Tasks").asInt(), job.path("SucceededTasks").asInt(), job.toString());
            job.path("StageIds").forEach(id -> stageIds.add(id.asInt()));
        }
        JsonNode stages = calculation.path("SparkJobs").path("Stages");
        assertTrue(stages.size() >= 2, "a map stage and the stage that reads its shuffle: " + stages);
        long shuffleWritten = 0;
        for (JsonNode stage : stages) {
            assertTrue(stageIds.contains(stage.path("StageId").asInt()), stage + " belongs to a job listed");
            assertFalse(stage.path("Name").asText().isEmpty(), stage.toString());
            assertTrue(List.of("COMPLETE", "SKIPPED").contains(stage.path("Status").asText()), stage.toString());
            if (stage.path("Status").asText().equals("COMPLETE")) {
                assertEquals(stage.path("Tasks").asInt(), stage.path("SucceededTasks").asInt(), stage.toString());
                assertTrue(stage.path("Attempts").asInt() >= 1 && stage.path("TaskTimeMillis").asLong() >= stage.path("LongestTaskMillis").asLong(),
                        stage.toString());
            }
            shuffleWritten += stage.path("ShuffleWriteBytes").asLong();
        }
        assertTrue(shuffleWritten > 0, "the map stage wrote its shuffle: " + stages);
    }

    @Test
    void theHistoryOutlivesTheServerThatRanTheSession() throws Exception {
        Path dataDir = TestingServer.temporaryDirectory("noctua-dashboard-restart-");
        String sessionId;
        String calculationId;
        try (TestingServer first = TestingServer.start(dataDir, SETTINGS)) {
            sessionId = Athena.startIdleSession(first.client());
            calculationId = first.runCompleted(sessionId, GROUPED).calculationExecutionId();
            first.client().terminateSession(r -> r.sessionId(sessionId));
            Athena.awaitSession(first.client(), sessionId, SessionState.TERMINATED);
            sessionHistory(first, sessionId); // written before the server stops
        }
        try (TestingServer second = TestingServer.start(dataDir, SETTINGS)) {
            String page = second.client().getResourceDashboard(r -> r.resourceARN(arn(sessionId))).url();
            assertEquals(second.endpoint() + "/console/dashboard?session=" + sessionId, page);
            assertCalculationWithJobsAndStages(sessionHistory(second, sessionId), sessionId, calculationId, GROUPED);
        }
    }

    @Test
    void anArnOfAnotherResourceAndAnUnknownSessionAreRefused() throws Exception {
        InvalidRequestException workGroup = assertThrows(InvalidRequestException.class,
                () -> athena.getResourceDashboard(r -> r.resourceARN("arn:aws:athena:us-east-1:123456789012:workgroup/spark")));
        assertEquals("GetResourceDashboard gives the dashboard of a session, and arn:aws:athena:us-east-1:123456789012:workgroup/spark names "
                + "a workgroup: give arn:aws:athena:<region>:<account-id>:session/<session-id>", workGroup.awsErrorDetails().errorMessage());
        InvalidRequestException notAnArn = assertThrows(InvalidRequestException.class,
                () -> athena.getResourceDashboard(r -> r.resourceARN("session/abc")));
        assertTrue(notAnArn.awsErrorDetails().errorMessage().contains("expected arn:aws:athena:<region>:<account-id>:workgroup/<name>"),
                notAnArn.awsErrorDetails().errorMessage());
        ResourceNotFoundException unknown = assertThrows(ResourceNotFoundException.class,
                () -> athena.getResourceDashboard(r -> r.resourceARN(arn("no-such-session"))));
        assertEquals("Session no-such-session is not found.", unknown.awsErrorDetails().errorMessage());
        // the page's data says the same, as the API's errors do
        HttpResponse<String> data = get(server.endpoint() + "/console/dashboard-data?session=no-such-session");
        assertEquals(400, data.statusCode());
        assertEquals("ResourceNotFoundException", JSON.readTree(data.body()).path("__type").asText());
    }
}
