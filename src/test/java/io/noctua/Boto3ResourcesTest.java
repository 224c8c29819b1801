package io.noctua;

import io.noctua.testing.Commands;
import io.noctua.testing.ServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs {@code src/test/python/athena_boto3_resources.py}: capacity reservations, data catalogs, tags and a session's
 * dashboard driven through boto3 against a real server. Skipped where python3 or boto3 is missing.
 */
class Boto3ResourcesTest {
    private static final Path SCRIPT = Path.of("src", "test", "python", "athena_boto3_resources.py").toAbsolutePath();

    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    @Test
    void boto3ResourcesScriptPasses() {
        String missing = Commands.missing(List.of("python3", "-c", "import boto3"));
        assumeTrue(missing == null, missing);
        Commands.Result result = Commands.run(List.of("python3", SCRIPT.toString(), running.server().endpoint().toString()), Map.of(),
                Duration.ofSeconds(120));
        assertEquals(0, result.exitCode(), "the boto3 resources script failed:\n" + result);
    }
}
