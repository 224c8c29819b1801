package io.noctua;

import io.noctua.testing.Athena;
import io.noctua.testing.ServerExtension;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.EngineVersion;
import software.amazon.awssdk.services.athena.model.InvalidRequestException;
import software.amazon.awssdk.services.athena.model.ListWorkGroupsResponse;
import software.amazon.awssdk.services.athena.model.MonitoringConfiguration;
import software.amazon.awssdk.services.athena.model.SessionState;
import software.amazon.awssdk.services.athena.model.WorkGroup;
import software.amazon.awssdk.services.athena.model.WorkGroupState;
import software.amazon.awssdk.services.athena.model.WorkGroupSummary;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Workgroups, engine versions and DPU sizes through the AWS SDK for Java v2. */
class WorkGroupApiTest {
    private static final String ROLE = "arn:aws:iam::123456789012:role/analytics";

    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private final TestingServer server = running.server();
    private final AthenaClient athena = running.client();

    @Test
    void theReadySparkWorkGroupAndPrimaryExistOutOfTheBox() {
        WorkGroup spark = athena.getWorkGroup(r -> r.workGroup("spark")).workGroup();
        assertEquals(WorkGroupState.ENABLED, spark.state());
        assertEquals("PySpark engine version 3", spark.configuration().engineVersion().selectedEngineVersion());
        assertEquals("PySpark engine version 3", spark.configuration().engineVersion().effectiveEngineVersion());
        assertEquals("s3://noctua-results/", spark.configuration().resultConfiguration().outputLocation());
        assertEquals(NoctuaServer.DEFAULT_EXECUTION_ROLE, spark.configuration().executionRole());

        WorkGroup primary = athena.getWorkGroup(r -> r.workGroup("primary")).workGroup();
        assertEquals("AUTO", primary.configuration().engineVersion().selectedEngineVersion());
        assertEquals("Athena engine version 3", primary.configuration().engineVersion().effectiveEngineVersion());
    }

    @Test
    void createGetUpdateAndDeleteASparkWorkGroup() {
        athena.createWorkGroup(r -> r.name("analytics").description("team analytics").configuration(c -> c
                .resultConfiguration(rc -> rc.outputLocation("s3://analytics-results/athena/"))
                .engineVersion(v -> v.selectedEngineVersion("PySpark engine version 3"))
                .executionRole(ROLE)
                .publishCloudWatchMetricsEnabled(false)));

        WorkGroup created = athena.getWorkGroup(r -> r.workGroup("analytics")).workGroup();
        assertEquals("team analytics", created.description());
        assertEquals(ROLE, created.configuration().executionRole());
        assertEquals(false, created.configuration().publishCloudWatchMetricsEnabled());
        assertNotNull(created.creationTime());

        athena.updateWorkGroup(r -> r.workGroup("analytics").description("renamed").configurationUpdates(u -> u
                .resultConfigurationUpdates(rc -> rc.outputLocation("s3://analytics-results/v2/"))
                .publishCloudWatchMetricsEnabled(true)));
        WorkGroup updated = athena.getWorkGroup(r -> r.workGroup("analytics")).workGroup();
        assertEquals("renamed", updated.description());
        assertEquals("s3://analytics-results/v2/", updated.configuration().resultConfiguration().outputLocation());
        assertEquals(true, updated.configuration().publishCloudWatchMetricsEnabled());
        assertEquals(ROLE, updated.configuration().executionRole());

        String sessionId = athena.startSession(r -> r.workGroup("analytics").engineConfiguration(e -> e.maxConcurrentDpus(2))).sessionId();
        Athena.awaitSession(athena, sessionId, SessionState.IDLE);
        assertEquals("s3://analytics-results/v2/session/" + sessionId + "/",
                Athena.run(athena, sessionId, "%%sql\nSELECT 1").result().stdOutS3Uri().replaceAll("[^/]+/stdout$", ""));

        InvalidRequestException notEmpty = assertThrows(InvalidRequestException.class, () -> athena.deleteWorkGroup(r -> r.workGroup("analytics")));
        assertEquals("WorkGroup analytics is not empty", notEmpty.awsErrorDetails().errorMessage());

        athena.deleteWorkGroup(r -> r.workGroup("analytics").recursiveDeleteOption(true));
        InvalidRequestException gone = assertThrows(InvalidRequestException.class, () -> athena.getWorkGroup(r -> r.workGroup("analytics")));
        assertEquals("WorkGroup is not found.", gone.awsErrorDetails().errorMessage());
        assertEquals("INVALID_INPUT", gone.athenaErrorCode());
        assertThrows(InvalidRequestException.class, () -> athena.getSession(r -> r.sessionId(sessionId)));
    }

    @Test
    void aSparkWorkGroupNeedsAnExecutionRoleAndNamesAreUnique() {
        InvalidRequestException noRole = assertThrows(InvalidRequestException.class, () -> athena.createWorkGroup(r -> r.name("no-role")
                .configuration(c -> c.engineVersion(v -> v.selectedEngineVersion("PySpark engine version 3")))));
        assertEquals("executionRole is null or empty", noRole.awsErrorDetails().errorMessage());

        athena.createWorkGroup(r -> r.name("sql-only"));
        InvalidRequestException duplicate = assertThrows(InvalidRequestException.class, () -> athena.createWorkGroup(r -> r.name("sql-only")));
        assertEquals("WorkGroup is already created", duplicate.awsErrorDetails().errorMessage());

        InvalidRequestException engine = assertThrows(InvalidRequestException.class, () -> athena.createWorkGroup(r -> r.name("bad-engine")
                .configuration(c -> c.engineVersion(v -> v.selectedEngineVersion("Athena engine version 9")))));
        assertTrue(engine.awsErrorDetails().errorMessage().startsWith("Engine version 'Athena engine version 9' is not supported"));

        InvalidRequestException switchEngine = assertThrows(InvalidRequestException.class, () -> athena.updateWorkGroup(r -> r
                .workGroup("sql-only").configurationUpdates(u -> u.engineVersion(v -> v.selectedEngineVersion("PySpark engine version 3"))
                        .executionRole(ROLE))));
        assertTrue(switchEngine.awsErrorDetails().errorMessage().startsWith("The engine of a workgroup cannot change"));

        InvalidRequestException location = assertThrows(InvalidRequestException.class, () -> athena.createWorkGroup(r -> r.name("bad-location")
                .configuration(c -> c.resultConfiguration(rc -> rc.outputLocation("/tmp/results")))));
        assertTrue(location.awsErrorDetails().errorMessage().startsWith("OutputLocation '/tmp/results' is not a valid s3:// location"));

        InvalidRequestException primary = assertThrows(InvalidRequestException.class, () -> athena.deleteWorkGroup(r -> r.workGroup("primary")));
        assertEquals("primary workGroup could not be deleted", primary.awsErrorDetails().errorMessage());
    }

    @Test
    void aWorkGroupsMonitoringConfigurationIsKeptReplacedAndChecked() {
        MonitoringConfiguration created = MonitoringConfiguration.builder()
                .s3LoggingConfiguration(s -> s.enabled(true).logLocation("s3://team-logs/athena").kmsKey("alias/team-logs"))
                .cloudWatchLoggingConfiguration(c -> c.enabled(true).logGroup("/aws/athena/team").logStreamNamePrefix("spark-")
                        .logTypes(Map.of("SPARK_DRIVER", List.of("STDOUT", "STDERR"), "SPARK_EXECUTOR", List.of("STDERR"))))
                .build();
        athena.createWorkGroup(r -> r.name("monitored").configuration(c -> c
                .engineVersion(v -> v.selectedEngineVersion("PySpark engine version 3")).executionRole(ROLE).monitoringConfiguration(created)));
        assertEquals(created, athena.getWorkGroup(r -> r.workGroup("monitored")).workGroup().configuration().monitoringConfiguration());

        // ConfigurationUpdates.MonitoringConfiguration replaces the whole of it; other updates leave it as it is
        MonitoringConfiguration replaced = MonitoringConfiguration.builder().managedLoggingConfiguration(m -> m.enabled(true)).build();
        athena.updateWorkGroup(r -> r.workGroup("monitored").configurationUpdates(u -> u.monitoringConfiguration(replaced)));
        athena.updateWorkGroup(r -> r.workGroup("monitored").description("described"));
        assertEquals(replaced, athena.getWorkGroup(r -> r.workGroup("monitored")).workGroup().configuration().monitoringConfiguration());

        InvalidRequestException noLocation = assertThrows(InvalidRequestException.class, () -> athena.updateWorkGroup(r -> r
                .workGroup("monitored").configurationUpdates(u -> u.monitoringConfiguration(m -> m.s3LoggingConfiguration(s -> s.enabled(true))))));
        assertTrue(noLocation.awsErrorDetails().errorMessage().startsWith(
                "Configuration.MonitoringConfiguration.S3LoggingConfiguration.LogLocation is required when S3 logging is enabled"),
                noLocation.awsErrorDetails().errorMessage());
        assertEquals(replaced, athena.getWorkGroup(r -> r.workGroup("monitored")).workGroup().configuration().monitoringConfiguration(),
                "a refused update changes nothing");
        InvalidRequestException badLocation = assertThrows(InvalidRequestException.class, () -> athena.createWorkGroup(r -> r.name("bad-logs")
                .configuration(c -> c.monitoringConfiguration(m -> m.s3LoggingConfiguration(s -> s.enabled(false).logLocation("/var/log"))))));
        assertTrue(badLocation.awsErrorDetails().errorMessage().contains(
                "at 'configuration.monitoringConfiguration.s3LoggingConfiguration.logLocation' failed to satisfy constraint"),
                badLocation.awsErrorDetails().errorMessage());
        athena.deleteWorkGroup(r -> r.workGroup("monitored"));
    }

    @Test
    void listingPagesThroughEveryWorkGroupByName() {
        for (String name : List.of("list-a", "list-b", "list-c")) {
            athena.createWorkGroup(r -> r.name(name));
        }
        List<String> names = new ArrayList<>();
        String token = null;
        do {
            String next = token;
            ListWorkGroupsResponse page = athena.listWorkGroups(r -> r.maxResults(2).nextToken(next));
            assertTrue(page.workGroups().size() <= 2);
            page.workGroups().stream().map(WorkGroupSummary::name).forEach(names::add);
            token = page.nextToken();
        }
        while (token != null);

        assertTrue(names.containsAll(List.of("list-a", "list-b", "list-c", "primary", "spark")), names.toString());
        assertEquals(names.stream().sorted().toList(), names);
        WorkGroupSummary spark = athena.listWorkGroups(r -> r.maxResults(50)).workGroups().stream()
                .filter(w -> w.name().equals("spark")).findFirst().orElseThrow();
        assertEquals("PySpark engine version 3", spark.engineVersion().effectiveEngineVersion());
    }

    @Test
    void engineVersionsAndDpuSizes() {
        List<EngineVersion> versions = athena.listEngineVersions(r -> { }).engineVersions();
        assertTrue(versions.stream().anyMatch(v -> v.selectedEngineVersion().equals("PySpark engine version 3")));
        assertTrue(versions.stream().anyMatch(v -> v.selectedEngineVersion().equals("AUTO")
                && v.effectiveEngineVersion().equals("Athena engine version 3")));
        var firstPage = athena.listEngineVersions(r -> r.maxResults(1));
        assertEquals(1, firstPage.engineVersions().size());
        assertNotNull(firstPage.nextToken());
        assertEquals(versions.get(1), athena.listEngineVersions(r -> r.maxResults(1).nextToken(firstPage.nextToken())).engineVersions().get(0));

        var sizes = athena.listApplicationDPUSizes(r -> { }).applicationDPUSizes();
        assertEquals("Athena notebook version 1", sizes.get(0).applicationRuntimeId());
        assertEquals(List.of(1), sizes.get(0).supportedDPUSizes());
        assertFalse(sizes.isEmpty());
    }
}
