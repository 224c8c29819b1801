package io.noctua;

import io.noctua.results.EmbeddedS3Server;
import io.noctua.testing.Athena;
import io.noctua.testing.ServerExtension;
import io.noctua.testing.TestingS3;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;

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

    private final TestingServer server = running.server();
    private final AthenaClient athena = running.client();
    private final TestingS3 s3 = TestingS3.shared();

    @Test
    void outputsOfCompletedAndFailedCalculationsAreObjectsOnTheConfiguredStore() {
        String sessionId = Athena.startIdleSession(athena);

        GetCalculationExecutionResponse completed = Athena.run(athena, sessionId, "%%sql\nSELECT 6 * 7 AS answer");
        assertEquals(CalculationExecutionState.COMPLETED, completed.status().state());
        assertTrue(s3.read(completed.result().stdOutS3Uri()).contains("|    42|"), s3.read(completed.result().stdOutS3Uri()));
        assertEquals("", s3.read(completed.result().stdErrorS3Uri()));
        assertTrue(s3.read(completed.result().resultS3Uri() + "result.json").contains("42"));
        String prefix = "session/" + sessionId + "/" + completed.calculationExecutionId() + "/";
        assertEquals(List.of(prefix + "result/outputs.json", prefix + "result/result.json", prefix + "stderr", prefix + "stdout"), s3.keys("noctua-results", prefix));

        GetCalculationExecutionResponse failed = Athena.run(athena, sessionId, "%%sql\nSELECT * FROM no_such_table");
        assertEquals(CalculationExecutionState.FAILED, failed.status().state());
        assertTrue(s3.read(failed.result().stdErrorS3Uri()).contains("no_such_table"), s3.read(failed.result().stdErrorS3Uri()));
        assertEquals("", s3.read(failed.result().stdOutS3Uri()));
    }

    @Test
    void dataWrittenToS3InOneSessionIsReadInAnotherThroughS3A() {
        s3.createBucket("s3a-data");
        String writer = Athena.startIdleSession(athena);
        server.runCompleted(writer, "%%sql\nINSERT OVERWRITE DIRECTORY 's3://s3a-data/squares' USING parquet SELECT id, id * id AS square FROM range(10)");
        assertTrue(s3.keys("s3a-data", "squares/").stream().anyMatch(key -> key.endsWith(".parquet")), s3.keys("s3a-data", "squares/").toString());

        String reader = Athena.startIdleSession(athena);
        String stdout = s3.read(server.runCompleted(reader, "%%sql\nSELECT sum(square) AS total FROM parquet.`s3a://s3a-data/squares`").result().stdOutS3Uri());
        assertTrue(stdout.contains("|  285|"), stdout);
    }

    @Test
    void aTableWithAnS3LocationIsWrittenAndReadFromOtherSessions() {
        s3.createBucket("s3a-tables");
        String writer = Athena.startIdleSession(athena);
        server.runCompleted(writer, "%%sql\nCREATE TABLE s3a_letters (n INT, s STRING) USING parquet LOCATION 's3://s3a-tables/letters'");
        server.runCompleted(writer, "%%sql\nINSERT INTO s3a_letters VALUES (1, 'a'), (2, 'b')");
        server.runCompleted(writer, "%%sql\nINSERT INTO s3a_letters VALUES (3, 'c')");

        String reader = Athena.startIdleSession(athena);
        String stdout = s3.read(server.runCompleted(reader, "%%sql\nSELECT count(*) AS n, max(s) AS last FROM s3a_letters").result().stdOutS3Uri());
        assertTrue(stdout.contains("|  3|   c|"), stdout);
    }

    @Test
    void databasesAndTablesAreSharedByAllSessionsThroughTheCatalog() {
        String writer = Athena.startIdleSession(athena);
        server.runCompleted(writer, "%%sql\nCREATE DATABASE IF NOT EXISTS sales");
        server.runCompleted(writer, "%%sql\nCREATE TABLE sales.orders USING parquet AS SELECT id, id * 2 AS amount FROM range(5)");
        server.runCompleted(writer, "%%sql\nCREATE TABLE sales.regions (name STRING) STORED AS PARQUET");
        server.runCompleted(writer, "%%sql\nINSERT INTO sales.regions VALUES ('north'), ('south')");

        String reader = Athena.startIdleSession(athena);
        String stdout = s3.read(server.runCompleted(reader, "%%sql\nSELECT (SELECT sum(amount) FROM sales.orders) AS total, "
                + "(SELECT count(*) FROM sales.regions) AS regions").result().stdOutS3Uri());
        assertTrue(stdout.contains("|   20|      2|"), stdout);
        assertTrue(s3.read(server.runCompleted(reader, "%%sql\nSHOW TABLES IN sales").result().stdOutS3Uri()).contains("orders"));
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
