package io.noctua;

import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs {@code src/test/python/athena_boto3_lifecycle.py}, the lifecycle of an Athena Spark user driven
 * through boto3, against a real server. Skipped where python3 or boto3 is missing.
 */
class Boto3LifecycleTest {
    private static final Path SCRIPT = Path.of("src", "test", "python", "athena_boto3_lifecycle.py").toAbsolutePath();
    private static final long TIMEOUT_SECONDS = 180;

    @Test
    void boto3LifecycleScriptPasses() throws Exception {
        String missing = boto3Missing();
        skipUnless(missing == null, missing);
        assertTrue(Files.isRegularFile(SCRIPT), "missing " + SCRIPT);

        try (TestingServer server = TestingServer.start(TestingServer.temporaryDirectory("noctua-boto3-"),
                Map.of("s3.embedded", "true", "s3.port", "0"))) {
            // results are read as Athena's clients read them: through the S3 API, here the embedded store's
            Result result = run(List.of("python3", SCRIPT.toString(), server.endpoint().toString(),
                    server.server().s3Endpoint().orElseThrow(), "noctua", "noctua-secret-key"));
            assertEquals(0, result.exitCode(), "the boto3 lifecycle script failed:\n" + result.output());
        }
    }

    /** Why the script cannot run here, or null if it can. */
    private static String boto3Missing() {
        try {
            Result result = run(List.of("python3", "-c", "import boto3"));
            return result.exitCode() == 0 ? null : "python3 cannot import boto3:\n" + result.output();
        }
        catch (IOException e) {
            return "python3 is not installed: " + e.getMessage();
        }
    }

    private static void skipUnless(boolean condition, String reason) {
        if (!condition) {
            System.out.println("Boto3LifecycleTest skipped: " + reason);
        }
        assumeTrue(condition, reason);
    }

    record Result(int exitCode, String output) {
    }

    /** Runs {@code command} with stderr merged into stdout, echoing the output; fails the test on timeout. */
    private static Result run(List<String> command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        // the user's AWS configuration must not change what boto3 does
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(name -> name.startsWith("AWS_"));
        environment.put("AWS_CONFIG_FILE", "/nonexistent/noctua-test/aws-config");
        environment.put("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/noctua-test/aws-credentials");
        Process process = builder.start();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> echo(process.getInputStream(), output), "python3-output");
        reader.start();
        try {
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                reader.join(TimeUnit.SECONDS.toMillis(10));
                fail(String.join(" ", command) + " did not end within " + TIMEOUT_SECONDS + " s:\n" + text(output));
            }
            reader.join(TimeUnit.SECONDS.toMillis(10));
        }
        catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command, e);
        }
        return new Result(process.exitValue(), text(output));
    }

    private static void echo(InputStream in, ByteArrayOutputStream copy) {
        byte[] buffer = new byte[8192];
        try (in) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                System.out.write(buffer, 0, n);
                System.out.flush();
                synchronized (copy) {
                    copy.write(buffer, 0, n);
                }
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String text(ByteArrayOutputStream output) {
        synchronized (output) {
            return output.toString(StandardCharsets.UTF_8);
        }
    }
}
