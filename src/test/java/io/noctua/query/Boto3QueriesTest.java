package io.noctua.query;

import io.noctua.config.NoctuaConfig;
import io.noctua.testing.Commands;
import io.noctua.testing.ServerProcess;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs {@code src/test/python/athena_boto3_queries.py}, Athena's SQL query API and data-catalog calls
 * driven through boto3, against a real server with the embedded S3 store: the script uploads its
 * table's CSV files there with boto3's S3 client and reads the result files back from there.
 * Skipped where python3 or boto3 is missing.
 * <p>
 * The server runs in a JVM of its own ({@link ServerProcess}), as {@code noctua serve} runs it: only
 * there do Spark's {@code s3://} paths reach the embedded store, which a table over the uploaded
 * files needs. A server in the test JVM shares that JVM's Spark engine, whose {@code s3://} paths
 * lead to {@link io.noctua.testing.TestingS3} whatever store the server itself was given.
 */
class Boto3QueriesTest {
    private static final Path SCRIPT = Path.of("src", "test", "python", "athena_boto3_queries.py").toAbsolutePath();
    /** The script's checks take about 15 s; its first query waits for Spark, which starts after the server answers. */
    private static final Duration TIMEOUT = Duration.ofSeconds(240);

    @Test
    void boto3QueriesScriptPasses() {
        String missing = Commands.missing(List.of("python3", "-c", "import boto3"));
        if (missing != null) {
            System.out.println("Boto3QueriesTest skipped: " + missing);
        }
        assumeTrue(missing == null, missing);
        assertTrue(Files.isRegularFile(SCRIPT), "missing " + SCRIPT);

        Path dataDir = TestingServer.temporaryDirectory("noctua-boto3-queries-");
        try (ServerProcess server = ServerProcess.start(dataDir)) {
            // the store's keys are the embedded store's defaults, as `noctua serve` prints them
            Commands.Result result = Commands.run(List.of("python3", SCRIPT.toString(), server.endpoint().toString(),
                    server.s3Endpoint().toString(), NoctuaConfig.EMBEDDED_ACCESS_KEY_ID, NoctuaConfig.EMBEDDED_SECRET_ACCESS_KEY),
                    Map.of(), TIMEOUT);
            assertEquals(0, result.exitCode(), "the boto3 queries script failed:\n" + result);
            System.out.println("Boto3QueriesTest:\n" + result.stdout());
            server.stop();
        }
    }
}
