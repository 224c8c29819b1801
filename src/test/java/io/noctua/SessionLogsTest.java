package io.noctua;

import io.noctua.testing.Athena;
import io.noctua.testing.ServerExtension;
import io.noctua.testing.TestingS3;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.CloudWatchLoggingConfiguration;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;
import software.amazon.awssdk.services.athena.model.InvalidRequestException;
import software.amazon.awssdk.services.athena.model.ManagedLoggingConfiguration;
import software.amazon.awssdk.services.athena.model.MonitoringConfiguration;
import software.amazon.awssdk.services.athena.model.S3LoggingConfiguration;
import software.amazon.awssdk.services.athena.model.SessionState;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MonitoringConfiguration on sessions through the AWS SDK for Java v2: S3 logging writes each calculation's stdout and
 * stderr and the session's driver log under the LogLocation (read back through S3), a session takes its workgroup's
 * configuration member by member, CloudWatch and managed logging are kept and returned, bad locations are refused, and
 * a location that cannot be written fails nothing.
 */
class SessionLogsTest {
    private static final String ROLE = "arn:aws:iam::123456789012:role/logs";

    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private final AthenaClient athena = running.client();
    private final TestingS3 s3 = TestingS3.shared();

    /** A prefix of its own in the test store's bucket, as a LogLocation. */
    private static String logLocation() {
        return "s3://noctua-results/logs-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static MonitoringConfiguration s3Logging(String location) {
        return MonitoringConfiguration.builder().s3LoggingConfiguration(S3LoggingConfiguration.builder().enabled(true).logLocation(location).build())
                .build();
    }

    private String sessionFolder(String location, String workGroup, String sessionId) {
        return location + "/" + workGroup + "/sessions/" + sessionId + "/";
    }

    /** The object's text once it holds {@code expected}: the logs are written just after the events they tell of. */
    private String awaitObject(String uri, String expected) {
        String[] text = {""};
        Athena.await(() -> {
            try {
                text[0] = s3.read(uri);
            }
            catch (RuntimeException e) { // not there yet
                return false;
            }
            return text[0].contains(expected);
        }, uri + " to hold '" + expected + "' (it holds: " + text[0] + ")", Duration.ofSeconds(20));
        return text[0];
    }

    @Test
    void s3LoggingWritesEachCalculationsOutputAndTheSessionsDriverLog() {
        String location = logLocation();
        String sessionId = athena.startSession(r -> r.workGroup(Athena.SPARK_WORK_GROUP).engineConfiguration(e -> e.maxConcurrentDpus(2))
                .monitoringConfiguration(s3Logging(location))).sessionId();
        Athena.awaitSession(athena, sessionId, SessionState.IDLE);
        assertEquals(s3Logging(location), athena.getSession(r -> r.sessionId(sessionId)).monitoringConfiguration());
        String folder = sessionFolder(location, Athena.SPARK_WORK_GROUP, sessionId);
        awaitObject(folder + "driver/driver.log", "session IDLE"); // written once the session is ready

        GetCalculationExecutionResponse printed = Athena.run(athena, sessionId, "print('hello from a logged calculation')");
        // a Spark warning on the thread that runs the calculation: SQLConf warns of a deprecated setting
        GetCalculationExecutionResponse deprecated = Athena.run(athena, sessionId, "%%sql\nSET spark.sql.execution.arrow.enabled=true");
        GetCalculationExecutionResponse failed = Athena.run(athena, sessionId, "%%sql\nSELECT * FROM no_such_table_of_the_logs_test");
        // a Spark warning on a task thread of the calculation's job: a file that is not Parquet, skipped as corrupt
        String notParquet = location + "-data/not-parquet.parquet";
        s3.put(notParquet, "this is not a Parquet file");
        GetCalculationExecutionResponse skipped = Athena.run(athena, sessionId, "%%sql\nSET spark.sql.files.ignoreCorruptFiles=true;\n"
                + "CREATE TEMPORARY VIEW corrupt (id INT) USING parquet OPTIONS (path '" + notParquet + "');\nSELECT count(*) AS n FROM corrupt");
        assertEquals(CalculationExecutionState.COMPLETED, skipped.status().state(), skipped.status().stateChangeReason());
        assertEquals(CalculationExecutionState.COMPLETED, printed.status().state());
        assertEquals(CalculationExecutionState.COMPLETED, deprecated.status().state(), deprecated.status().stateChangeReason());
        assertEquals(CalculationExecutionState.FAILED, failed.status().state());

        String calculations = folder + "calculations/";
        assertEquals("hello from a logged calculation\n", awaitObject(calculations + printed.calculationExecutionId() + "/stdout", "hello"));
        assertTrue(awaitObject(calculations + failed.calculationExecutionId() + "/stderr", "no_such_table_of_the_logs_test")
                .startsWith("AnalysisException: [TABLE_OR_VIEW_NOT_FOUND]"));
        for (GetCalculationExecutionResponse done : List.of(printed, deprecated, failed)) { // copies of what the calculation wrote
            String copies = calculations + done.calculationExecutionId() + "/";
            assertEquals(s3.read(done.result().stdOutS3Uri()), awaitObject(copies + "stdout", ""));
            assertEquals(s3.read(done.result().stdErrorS3Uri()), awaitObject(copies + "stderr", ""));
        }

        athena.terminateSession(r -> r.sessionId(sessionId));
        String driverLog = awaitObject(folder + "driver/driver.log", "session TERMINATED");
        List<String> lines = driverLog.lines().toList();
        assertTrue(lines.get(0).matches("\\d{4}-\\d\\d-\\d\\dT\\S+Z INFO noctua: session " + sessionId
                + " CREATING in workgroup spark \\(StartSession\\).*"), lines.get(0));
        for (String expected : List.of(
                "INFO noctua: S3 logging to " + folder,
                "INFO noctua: session IDLE: its Spark session is ready",
                "INFO noctua: calculation " + printed.calculationExecutionId() + " CREATING",
                "INFO noctua: calculation " + printed.calculationExecutionId() + " RUNNING",
                "INFO noctua: calculation " + printed.calculationExecutionId() + " COMPLETED after ",
                "WARN org.apache.spark.sql.internal.SQLConf: The SQL config 'spark.sql.execution.arrow.enabled' has been deprecated",
                "WARN noctua: calculation " + failed.calculationExecutionId() + " FAILED after ",
                "[TABLE_OR_VIEW_NOT_FOUND]",
                "WARN org.apache.spark.sql.execution.datasources.FileScanRDD: Skipped the rest of the content in the corrupted file",
                "INFO noctua: session TERMINATED: Terminated by TerminateSession")) {
            assertTrue(driverLog.contains(expected), "the driver log lacks '" + expected + "':\n" + driverLog);
        }
    }

    @Test
    void aSessionTakesEachMemberItDoesNotGiveFromItsWorkGroup() {
        String workGroup = "logs-" + UUID.randomUUID().toString().substring(0, 8);
        String location = logLocation();
        MonitoringConfiguration ofWorkGroup = MonitoringConfiguration.builder()
                .s3LoggingConfiguration(S3LoggingConfiguration.builder().enabled(true).logLocation(location)
                        .kmsKey("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab").build())
                .managedLoggingConfiguration(ManagedLoggingConfiguration.builder().enabled(true).build())
                .build();
        athena.createWorkGroup(r -> r.name(workGroup).configuration(c -> c
                .engineVersion(v -> v.selectedEngineVersion("PySpark engine version 3")).executionRole(ROLE)
                .monitoringConfiguration(ofWorkGroup)));

        String inherits = Athena.startIdleSession(athena, workGroup);
        assertEquals(ofWorkGroup, athena.getSession(r -> r.sessionId(inherits)).monitoringConfiguration());
        String driverLog = awaitObject(sessionFolder(location, workGroup, inherits) + "driver/driver.log", "session IDLE");
        assertTrue(driverLog.contains("INFO noctua: managed logging is enabled, and Noctua does not deliver it"), driverLog);
        assertTrue(driverLog.contains("INFO noctua: S3LoggingConfiguration.KmsKey is kept, not applied"), driverLog);

        CloudWatchLoggingConfiguration cloudWatch = CloudWatchLoggingConfiguration.builder().enabled(true).logGroup("/athena/spark")
                .logStreamNamePrefix("noctua-").logTypes(Map.of("SPARK_DRIVER", List.of("STDOUT", "STDERR"))).build();
        String ownCloudWatch = athena.startSession(r -> r.workGroup(workGroup).engineConfiguration(e -> e.maxConcurrentDpus(2))
                .monitoringConfiguration(m -> m.cloudWatchLoggingConfiguration(cloudWatch))).sessionId();
        assertEquals(ofWorkGroup.toBuilder().cloudWatchLoggingConfiguration(cloudWatch).build(),
                athena.getSession(r -> r.sessionId(ownCloudWatch)).monitoringConfiguration());

        MonitoringConfiguration noS3 = MonitoringConfiguration.builder()
                .s3LoggingConfiguration(S3LoggingConfiguration.builder().enabled(false).logLocation(location).build()).build();
        String withoutLogs = athena.startSession(r -> r.workGroup(workGroup).engineConfiguration(e -> e.maxConcurrentDpus(2))
                .monitoringConfiguration(noS3)).sessionId();
        Athena.awaitSession(athena, withoutLogs, SessionState.IDLE);
        assertEquals(noS3.s3LoggingConfiguration(), athena.getSession(r -> r.sessionId(withoutLogs)).monitoringConfiguration().s3LoggingConfiguration());

        // a session keeps the configuration it started with: the workgroup's later changes are for later sessions
        athena.updateWorkGroup(r -> r.workGroup(workGroup).configurationUpdates(u -> u.monitoringConfiguration(MonitoringConfiguration.builder().build())));
        assertEquals(ofWorkGroup, athena.getSession(r -> r.sessionId(inherits)).monitoringConfiguration());
        String later = Athena.startIdleSession(athena, workGroup);
        assertNull(athena.getSession(r -> r.sessionId(later)).monitoringConfiguration());

        for (String sessionId : List.of(inherits, ownCloudWatch, withoutLogs, later)) {
            athena.terminateSession(r -> r.sessionId(sessionId));
        }
        List<String> driverLogs = new java.util.ArrayList<>();
        for (String logged : List.of(inherits, ownCloudWatch)) { // its own CloudWatch, its workgroup's S3 logging
            String uri = sessionFolder(location, workGroup, logged) + "driver/driver.log";
            awaitObject(uri, "session TERMINATED");
            driverLogs.add(uri.substring("s3://noctua-results/".length()));
        }
        assertEquals(driverLogs.stream().sorted().toList(), s3.keys("noctua-results", location.substring("s3://noctua-results/".length()) + "/"),
                "the sessions with S3 logging enabled write logs, the others none");
        athena.deleteWorkGroup(r -> r.workGroup(workGroup).recursiveDeleteOption(true));
    }

    @Test
    void monitoringConfigurationsThatCannotWorkAreRefused() {
        Map<MonitoringConfiguration, String> refused = Map.of(
                MonitoringConfiguration.builder().s3LoggingConfiguration(S3LoggingConfiguration.builder().enabled(true).build()).build(),
                "MonitoringConfiguration.S3LoggingConfiguration.LogLocation is required when S3 logging is enabled",
                s3Logging("https://noctua-results/logs"),
                "Value 'https://noctua-results/logs' at 'monitoringConfiguration.s3LoggingConfiguration.logLocation' failed to satisfy constraint",
                s3Logging("s3://ab/logs"),
                "MonitoringConfiguration.S3LoggingConfiguration.LogLocation 's3://ab/logs' is not an s3:// location",
                MonitoringConfiguration.builder().s3LoggingConfiguration(S3LoggingConfiguration.builder().logLocation("s3://noctua-results/x").build()).build(),
                "Value null at 'monitoringConfiguration.s3LoggingConfiguration.enabled' failed to satisfy constraint: Member must not be null",
                MonitoringConfiguration.builder().cloudWatchLoggingConfiguration(c -> c.enabled(true).logGroup("not a log group!")).build(),
                "at 'monitoringConfiguration.cloudWatchLoggingConfiguration.logGroup' failed to satisfy constraint");
        refused.forEach((configuration, message) -> {
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> athena.startSession(r -> r
                    .workGroup(Athena.SPARK_WORK_GROUP).engineConfiguration(c -> c.maxConcurrentDpus(2)).monitoringConfiguration(configuration)),
                    configuration.toString());
            assertTrue(e.awsErrorDetails().errorMessage().contains(message), e.awsErrorDetails().errorMessage());
        });
    }

    @Test
    void aLogLocationThatCannotBeWrittenFailsNothing() {
        String sessionId = athena.startSession(r -> r.workGroup(Athena.SPARK_WORK_GROUP).engineConfiguration(e -> e.maxConcurrentDpus(2))
                .monitoringConfiguration(s3Logging("s3://no-such-bucket-" + UUID.randomUUID().toString().substring(0, 8) + "/logs"))).sessionId();
        Athena.awaitSession(athena, sessionId, SessionState.IDLE);
        GetCalculationExecutionResponse done = Athena.run(athena, sessionId, "%%sql\nSELECT 1 AS one");
        assertEquals(CalculationExecutionState.COMPLETED, done.status().state(), done.status().stateChangeReason());
        assertTrue(s3.read(done.result().stdOutS3Uri()).contains("|  1|"));
        assertEquals(SessionState.IDLE, athena.getSessionStatus(r -> r.sessionId(sessionId)).status().state());
        assertEquals(SessionState.TERMINATED, athena.terminateSession(r -> r.sessionId(sessionId)).state());
    }
}
