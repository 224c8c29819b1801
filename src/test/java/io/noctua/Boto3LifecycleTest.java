package io.noctua;

import io.noctua.testing.Commands;
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
 * Runs {@code src/test/python/athena_boto3_lifecycle.py}, the lifecycle of an Athena Spark user driven
 * through boto3, against a real server. Skipped where python3 or boto3 is missing.
 */
class Boto3LifecycleTest {
    private static final Path SCRIPT = Path.of("src", "test", "python", "athena_boto3_lifecycle.py").toAbsolutePath();
    private static final Duration TIMEOUT = Duration.ofSeconds(180);

    @Test
    void boto3LifecycleScriptPasses() {
        String missing = Commands.missing(List.of("python3", "-c", "import boto3"));
        if (missing != null) {
            System.out.println("Boto3LifecycleTest skipped: " + missing);
        }
        assumeTrue(missing == null, missing);
        assertTrue(Files.isRegularFile(SCRIPT), "missing " + SCRIPT);

        try (TestingServer server = TestingServer.start(TestingServer.temporaryDirectory("noctua-boto3-"),
                Map.of("s3.embedded", "true", "s3.port", "0"))) {
            // results are read as Athena's clients read them: through the S3 API, here the embedded store's
            Commands.Result result = Commands.run(List.of("python3", SCRIPT.toString(), server.endpoint().toString(),
                    server.server().s3Endpoint().orElseThrow(), "noctua", "noctua-secret-key"), Map.of(), TIMEOUT);
            assertEquals(0, result.exitCode(), "the boto3 lifecycle script failed:\n" + result);
        }
    }
}
