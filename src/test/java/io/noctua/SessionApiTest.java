package io.noctua;

import io.noctua.testing.Athena;
import io.noctua.testing.ServerExtension;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.ExecutorState;
import software.amazon.awssdk.services.athena.model.ExecutorType;
import software.amazon.awssdk.services.athena.model.ExecutorsSummary;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;
import software.amazon.awssdk.services.athena.model.GetSessionResponse;
import software.amazon.awssdk.services.athena.model.InvalidRequestException;
import software.amazon.awssdk.services.athena.model.ListSessionsResponse;
import software.amazon.awssdk.services.athena.model.MonitoringConfiguration;
import software.amazon.awssdk.services.athena.model.SessionState;
import software.amazon.awssdk.services.athena.model.SessionSummary;
import software.amazon.awssdk.services.athena.model.StartSessionResponse;
import software.amazon.awssdk.services.athena.model.WorkGroupState;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import static io.noctua.testing.Athena.LONG_SQL;
import static io.noctua.testing.Athena.SPARK_WORK_GROUP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sessions end to end through the AWS SDK for Java v2. */
class SessionApiTest {
    private static final Pattern UUID_SHAPE = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private final TestingServer server = running.server();
    private final AthenaClient athena = running.client();

    @Test
    void aNewSessionGoesFromCreatingToIdleAndDescribesItself() {
        StartSessionResponse started = athena.startSession(r -> r.workGroup(SPARK_WORK_GROUP).description("my session")
                .engineConfiguration(e -> e.maxConcurrentDpus(4).sparkProperties(Map.of("spark.sql.shuffle.partitions", "7")))
                .sessionIdleTimeoutInMinutes(15));
        assertTrue(UUID_SHAPE.matcher(started.sessionId()).matches(), started.sessionId());
        assertEquals(SessionState.CREATING, started.state());
        Athena.awaitSession(athena, started.sessionId(), SessionState.IDLE);

        GetSessionResponse session = athena.getSession(r -> r.sessionId(started.sessionId()));
        assertEquals("my session", session.description());
        assertEquals(SPARK_WORK_GROUP, session.workGroup());
        assertEquals("PySpark engine version 3", session.engineVersion());
        assertEquals("Athena notebook version 1", session.notebookVersion());
        assertEquals(4, session.engineConfiguration().maxConcurrentDpus());
        assertEquals(1, session.engineConfiguration().coordinatorDpuSize());
        assertEquals(15, session.sessionConfiguration().sessionIdleTimeoutInMinutes());
        assertEquals(900L, session.sessionConfiguration().idleTimeoutSeconds());
        assertEquals("s3://noctua-results/", session.sessionConfiguration().workingDirectory());
        assertEquals(NoctuaServer.DEFAULT_EXECUTION_ROLE, session.sessionConfiguration().executionRole());
        assertNotNull(session.status().startDateTime());
        assertNotNull(session.status().idleSinceDateTime());
        assertNull(session.status().endDateTime());
        assertEquals(0L, session.statistics().dpuExecutionInMillis());

        GetCalculationExecutionResponse shown = Athena.run(athena, started.sessionId(), "%%sql\nSET spark.sql.shuffle.partitions");
        assertTrue(server.readResult(shown.result().stdOutS3Uri()).contains("|    7|"), "the session's Spark property is applied");
    }

    @Test
    void listingIsNewestFirstWithPagingAndStateFilter() {
        String workGroup = "sessions-listing";
        athena.createWorkGroup(r -> r.name(workGroup).configuration(c -> c
                .engineVersion(v -> v.selectedEngineVersion("PySpark engine version 3"))
                .executionRole("arn:aws:iam::123456789012:role/listing")));
        List<String> newestFirst = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String sessionId = athena.startSession(r -> r.workGroup(workGroup).engineConfiguration(e -> e.maxConcurrentDpus(2))).sessionId();
            Athena.awaitSession(athena, sessionId, SessionState.IDLE);
            newestFirst.add(0, sessionId);
        }
        athena.terminateSession(r -> r.sessionId(newestFirst.get(1)));

        List<String> paged = new ArrayList<>();
        String token = null;
        do {
            String next = token;
            ListSessionsResponse page = athena.listSessions(r -> r.workGroup(workGroup).maxResults(2).nextToken(next));
            page.sessions().forEach(s -> paged.add(s.sessionId()));
            token = page.nextToken();
        }
        while (token != null);
        assertEquals(newestFirst, paged);

        List<SessionSummary> idle = athena.listSessions(r -> r.workGroup(workGroup).stateFilter(SessionState.IDLE)).sessions();
        assertEquals(List.of(newestFirst.get(0), newestFirst.get(2)), idle.stream().map(SessionSummary::sessionId).toList());
        assertEquals("PySpark engine version 3", idle.get(0).engineVersion().effectiveEngineVersion());
        List<SessionSummary> terminated = athena.listSessions(r -> r.workGroup(workGroup).stateFilter(SessionState.TERMINATED)).sessions();
        assertEquals(List.of(newestFirst.get(1)), terminated.stream().map(SessionSummary::sessionId).toList());

        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> athena.listSessions(r -> r.workGroup(workGroup).nextToken("garbage")));
        assertTrue(e.awsErrorDetails().errorMessage().startsWith("The NextToken is not valid"));
    }

    @Test
    void aSessionsMonitoringConfigurationIsReturnedWhileItLivesAndAfterItEnded() {
        MonitoringConfiguration given = MonitoringConfiguration.builder()
                .cloudWatchLoggingConfiguration(c -> c.enabled(true).logGroup("/athena/sessions").logTypes(Map.of("SPARK_DRIVER", List.of("STDOUT"))))
                .managedLoggingConfiguration(m -> m.enabled(false).kmsKey("alias/logs"))
                .build();
        String sessionId = athena.startSession(r -> r.workGroup(SPARK_WORK_GROUP).engineConfiguration(e -> e.maxConcurrentDpus(2))
                .monitoringConfiguration(given)).sessionId();
        assertEquals(given, athena.getSession(r -> r.sessionId(sessionId)).monitoringConfiguration());
        athena.terminateSession(r -> r.sessionId(sessionId));
        Athena.awaitSession(athena, sessionId, SessionState.TERMINATED);
        assertEquals(given, athena.getSession(r -> r.sessionId(sessionId)).monitoringConfiguration(), "as the store keeps it");
        assertNull(athena.getSession(r -> r.sessionId(Athena.startIdleSession(athena))).monitoringConfiguration());
    }

    @Test
    void terminatingAnIdleSessionEndsItAndIsHarmlessToRepeat() {
        String sessionId = Athena.startIdleSession(athena);

        assertEquals(SessionState.TERMINATED, athena.terminateSession(r -> r.sessionId(sessionId)).state());
        assertEquals(SessionState.TERMINATED, athena.terminateSession(r -> r.sessionId(sessionId)).state());
        GetSessionResponse session = athena.getSession(r -> r.sessionId(sessionId));
        assertEquals(SessionState.TERMINATED, session.status().state());
        assertEquals("Terminated by TerminateSession", session.status().stateChangeReason());
        assertNotNull(session.status().endDateTime());

        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> Athena.startCalculation(athena, sessionId, "%%sql\nSELECT 1"));
        assertEquals("Session is in the TERMINATED state; needs to be IDLE to accept Calculations.", e.awsErrorDetails().errorMessage());
    }

    @Test
    void terminatingABusySessionStopsItsCalculation() {
        String sessionId = Athena.startIdleSession(athena);
        String calculationId = Athena.startCalculation(athena, sessionId, LONG_SQL);
        Athena.awaitCalculationState(athena, calculationId, CalculationExecutionState.RUNNING);

        SessionState answer = athena.terminateSession(r -> r.sessionId(sessionId)).state();
        assertTrue(answer == SessionState.TERMINATING || answer == SessionState.TERMINATED, answer.toString());
        GetCalculationExecutionResponse done = Athena.awaitCalculation(athena, calculationId);
        Athena.awaitSession(athena, sessionId, SessionState.TERMINATED);

        assertEquals(CalculationExecutionState.CANCELED, done.status().state());
        assertEquals("Canceled because the session was terminated: Terminated by TerminateSession", done.status().stateChangeReason());
    }

    @Test
    void executorsShowTheCoordinatorWhileTheSessionLivesAndTerminatedAfter() {
        String sessionId = Athena.startIdleSession(athena);

        List<ExecutorsSummary> executors = athena.listExecutors(r -> r.sessionId(sessionId)).executorsSummary();
        ExecutorsSummary coordinator = executors.stream().filter(e -> e.executorType() == ExecutorType.COORDINATOR).findFirst().orElseThrow();
        assertEquals("driver", coordinator.executorId());
        assertEquals(ExecutorState.REGISTERED, coordinator.executorState());
        assertEquals(1L, coordinator.executorSize());
        assertTrue(coordinator.startDateTime() > 1_700_000_000_000L, "StartDateTime is epoch milliseconds");
        assertEquals(sessionId, athena.listExecutors(r -> r.sessionId(sessionId)).sessionId());
        assertTrue(athena.listExecutors(r -> r.sessionId(sessionId).executorStateFilter(ExecutorState.TERMINATED)).executorsSummary().isEmpty());

        athena.terminateSession(r -> r.sessionId(sessionId));
        ExecutorsSummary ended = athena.listExecutors(r -> r.sessionId(sessionId)).executorsSummary().get(0);
        assertEquals(ExecutorState.TERMINATED, ended.executorState());
        assertNotNull(ended.terminationDateTime());
    }

    @Test
    void anIdleSessionIsTerminatedAfterItsTimeout() {
        // one "minute" of idle timeout lasts 300 ms on this server
        try (TestingServer fast = TestingServer.start(TestingServer.temporaryDirectory("noctua-idle-"), Map.of("session.minute", "300ms"))) {
            AthenaClient client = fast.client();
            String sessionId = client.startSession(r -> r.workGroup(SPARK_WORK_GROUP).engineConfiguration(e -> e.maxConcurrentDpus(2))
                    .sessionIdleTimeoutInMinutes(2)).sessionId();
            Athena.awaitSession(client, sessionId, SessionState.IDLE);
            Athena.run(client, sessionId, "%%sql\nSELECT 1");

            Athena.awaitSession(client, sessionId, SessionState.TERMINATED);
            GetSessionResponse session = client.getSession(r -> r.sessionId(sessionId));
            assertEquals("Session was idle for more than its timeout of 2 minutes", session.status().stateChangeReason());
            Duration idle = Duration.between(session.status().idleSinceDateTime(), session.status().endDateTime());
            assertTrue(idle.toMillis() >= 600, "terminated after " + idle);
        }
    }

    @Test
    void sessionsNeedAnEnabledSparkWorkGroup() {
        InvalidRequestException sql = assertThrows(InvalidRequestException.class,
                () -> athena.startSession(r -> r.workGroup("primary").engineConfiguration(e -> e.maxConcurrentDpus(2))));
        assertEquals("WorkGroup primary does not run Apache Spark: sessions and calculations need a workgroup whose engine is "
                + "'PySpark engine version 3' (it is 'Athena engine version 3')", sql.awsErrorDetails().errorMessage());
        assertThrows(InvalidRequestException.class, () -> athena.listSessions(r -> r.workGroup("primary")));

        InvalidRequestException unknown = assertThrows(InvalidRequestException.class,
                () -> athena.startSession(r -> r.workGroup("no-such-group").engineConfiguration(e -> e.maxConcurrentDpus(2))));
        assertEquals("WorkGroup is not found.", unknown.awsErrorDetails().errorMessage());

        athena.createWorkGroup(r -> r.name("disabled-spark").configuration(c -> c
                .engineVersion(v -> v.selectedEngineVersion("PySpark engine version 3"))
                .executionRole("arn:aws:iam::123456789012:role/disabled")));
        athena.updateWorkGroup(r -> r.workGroup("disabled-spark").state(WorkGroupState.DISABLED));
        InvalidRequestException disabled = assertThrows(InvalidRequestException.class,
                () -> athena.startSession(r -> r.workGroup("disabled-spark").engineConfiguration(e -> e.maxConcurrentDpus(2))));
        assertEquals("WorkGroup disabled-spark is disabled.", disabled.awsErrorDetails().errorMessage());
    }

    @Test
    void aRepeatedClientRequestTokenReturnsTheSameSession() {
        String token = UUID.randomUUID().toString();
        String first = athena.startSession(r -> r.workGroup(SPARK_WORK_GROUP).engineConfiguration(e -> e.maxConcurrentDpus(2))
                .clientRequestToken(token)).sessionId();
        String again = athena.startSession(r -> r.workGroup(SPARK_WORK_GROUP).engineConfiguration(e -> e.maxConcurrentDpus(2))
                .clientRequestToken(token)).sessionId();
        assertEquals(first, again);

        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> athena.startSession(r -> r
                .workGroup(SPARK_WORK_GROUP).engineConfiguration(c -> c.maxConcurrentDpus(3)).clientRequestToken(token)));
        assertEquals("Idempotent parameters do not match", e.awsErrorDetails().errorMessage());
    }

    @Test
    void unknownSessionsAreInvalidRequests() {
        String unknown = UUID.randomUUID().toString();
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> athena.getSession(r -> r.sessionId(unknown)));
        assertEquals("Session " + unknown + " is not found.", e.awsErrorDetails().errorMessage());
        assertThrows(InvalidRequestException.class, () -> athena.getSessionStatus(r -> r.sessionId(unknown)));
        assertThrows(InvalidRequestException.class, () -> athena.terminateSession(r -> r.sessionId(unknown)));
        assertThrows(InvalidRequestException.class, () -> athena.listExecutors(r -> r.sessionId(unknown)));
        assertThrows(InvalidRequestException.class, () -> Athena.startCalculation(athena, unknown, "%%sql\nSELECT 1"));
        InvalidRequestException endpoint = assertThrows(InvalidRequestException.class, () -> athena.getSessionEndpoint(r -> r.sessionId(unknown)));
        assertEquals("Session " + unknown + " is not found.", endpoint.awsErrorDetails().errorMessage());
    }

    /** Spark Connect endpoints are for Athena's Apache Spark version 3.5 engine; PySpark engine version 3 sessions have none. */
    @Test
    void aSessionOfPySparkEngineVersion3HasNoSparkConnectEndpoint() {
        String sessionId = Athena.startIdleSession(athena);
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> athena.getSessionEndpoint(r -> r.sessionId(sessionId)));
        assertEquals("Session " + sessionId + " runs on PySpark engine version 3, which has no Spark Connect endpoint: GetSessionEndpoint "
                + "needs a session of an \"Apache Spark version 3.5\" engine, and Noctua does not run that engine.", e.awsErrorDetails().errorMessage());
        athena.terminateSession(r -> r.sessionId(sessionId));
    }

}
