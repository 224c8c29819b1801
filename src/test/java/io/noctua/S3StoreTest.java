package io.noctua;

import io.noctua.results.EmbeddedS3Server;
import io.noctua.results.S3Location;
import io.noctua.testing.Athena;
import io.noctua.testing.ServerExtension;
import io.noctua.testing.TestingS3;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Outputs and {@code s3://} data on an S3 store given by configuration: the test run's own
 * {@link TestingS3}, read back here with the AWS SDK's S3 client at the URIs Athena's API returns.
 */
class S3StoreTest {
    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private static final S3Client s3 = S3Client.builder()
            .endpointOverride(TestingS3.shared().endpoint())
            .region(Region.US_EAST_1)
            .forcePathStyle(true)
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(TestingS3.ACCESS_KEY_ID, TestingS3.SECRET_ACCESS_KEY)))
            .build();

    private final AthenaClient athena = running.client();

    @AfterAll
    static void closeClient() {
        s3.close();
    }

    private static String read(String uri) {
        S3Location location = S3Location.parse(uri);
        return s3.getObjectAsBytes(r -> r.bucket(location.bucket()).key(location.key())).asString(StandardCharsets.UTF_8);
    }

    @Test
    void outputsOfCompletedAndFailedCalculationsAreObjectsOnTheConfiguredStore() {
        String sessionId = Athena.startIdleSession(athena);

        GetCalculationExecutionResponse completed = Athena.run(athena, sessionId, "%%sql\nSELECT 6 * 7 AS answer");
        assertEquals(CalculationExecutionState.COMPLETED, completed.status().state());
        assertTrue(read(completed.result().stdOutS3Uri()).contains("|    42|"), read(completed.result().stdOutS3Uri()));
        assertEquals("", read(completed.result().stdErrorS3Uri()));
        assertTrue(read(completed.result().resultS3Uri() + "result.json").contains("42"));
        String prefix = "session/" + sessionId + "/" + completed.calculationExecutionId() + "/";
        List<String> keys = s3.listObjectsV2(r -> r.bucket("noctua-results").prefix(prefix))
                .contents().stream().map(S3Object::key).filter(key -> !key.endsWith("/")).sorted().toList();
        assertEquals(List.of(prefix + "result/result.json", prefix + "stderr", prefix + "stdout"), keys);

        GetCalculationExecutionResponse failed = Athena.run(athena, sessionId, "%%sql\nSELECT * FROM no_such_table");
        assertEquals(CalculationExecutionState.FAILED, failed.status().state());
        assertTrue(read(failed.result().stdErrorS3Uri()).contains("no_such_table"), read(failed.result().stdErrorS3Uri()));
        assertEquals("", read(failed.result().stdOutS3Uri()));
    }

    @Test
    void aMissingOutputBucketFailsTheCalculationWithTheStoresAnswer() {
        athena.createWorkGroup(r -> r.name("no-bucket").configuration(c -> c
                .executionRole(NoctuaServer.DEFAULT_EXECUTION_ROLE)
                .engineVersion(v -> v.selectedEngineVersion("PySpark engine version 3"))
                .resultConfiguration(rc -> rc.outputLocation("s3://bucket-nobody-made/athena/"))));
        String sessionId = Athena.startIdleSession(athena, "no-bucket");

        GetCalculationExecutionResponse done = Athena.run(athena, sessionId, "%%sql\nSELECT 1");

        assertEquals(CalculationExecutionState.FAILED, done.status().state());
        String reason = done.status().stateChangeReason();
        assertTrue(reason.startsWith("The calculation's output could not be written to S3 at " + TestingS3.shared().endpoint()
                + ": cannot write s3://bucket-nobody-made/athena/session/" + sessionId + "/"), reason);
        assertTrue(reason.contains("NoSuchBucket (HTTP 404)"), reason);
    }

    @Test
    void anUnreachableStoreFailsTheCalculationWithinSecondsNamingTheEndpoint() {
        String closed = "http://127.0.0.1:" + EmbeddedS3Server.freePort("127.0.0.1");
        try (TestingServer server = TestingServer.start(TestingServer.temporaryDirectory("noctua-s3-down-"), Map.of("s3.endpoint", closed))) {
            AthenaClient client = server.client();
            String sessionId = Athena.startIdleSession(client);
            long begin = System.nanoTime();

            GetCalculationExecutionResponse done = Athena.run(client, sessionId, "%%sql\nSELECT 1");

            long seconds = (System.nanoTime() - begin) / 1_000_000_000L;
            assertEquals(CalculationExecutionState.FAILED, done.status().state());
            String reason = done.status().stateChangeReason();
            assertTrue(reason.startsWith("The calculation's output could not be written to S3 at " + closed + ": cannot write s3://noctua-results/"), reason);
            assertTrue(reason.contains("Connect"), reason);
            assertTrue(seconds < 20, "failing took " + seconds + " s");
        }
    }
}
