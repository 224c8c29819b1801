package io.noctua;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.noctua.testing.Athena;
import io.noctua.testing.Commands;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The real AWS CLI ({@code aws athena ... --endpoint-url}) against a real server. Skipped where {@code aws} is missing. */
class AwsCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration WAIT_TIMEOUT = Duration.ofSeconds(60);

    private static String awsMissing;
    private static TestingServer server;

    @BeforeAll
    static void startServer() {
        awsMissing = Commands.missing(List.of("aws", "--version"));
        if (awsMissing != null) {
            System.out.println("AwsCliTest skipped: " + awsMissing);
            return;
        }
        server = TestingServer.start();
    }

    // assumed per test rather than in @BeforeAll so that reports count each test as skipped
    @BeforeEach
    void requireAws() {
        assumeTrue(awsMissing == null, awsMissing);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void runsSqlCalculationInNewSession() {
        JsonNode workGroups = athenaJson("list-work-groups");
        List<String> names = new ArrayList<>();
        workGroups.get("WorkGroups").forEach(w -> names.add(w.get("Name").asText()));
        assertTrue(names.contains("primary") && names.contains("spark"), "list-work-groups: " + workGroups);

        JsonNode session = athenaJson("start-session", "--work-group", "spark", "--engine-configuration", "MaxConcurrentDpus=2");
        String sessionId = session.get("SessionId").asText();
        assertEquals(sessionId, UUID.fromString(sessionId).toString(), "SessionId is not a lowercase UUID: " + session);
        awaitState("session " + sessionId, "IDLE", () -> athenaJson("get-session-status", "--session-id", sessionId));

        String code = "%%sql\nSELECT 1 AS one, 'a' AS s";
        JsonNode started = athenaJson("start-calculation-execution", "--session-id", sessionId, "--code-block", code);
        String calculationId = started.get("CalculationExecutionId").asText();
        JsonNode calculation = awaitState("calculation " + calculationId, "COMPLETED",
                () -> athenaJson("get-calculation-execution", "--calculation-execution-id", calculationId));

        assertTrue(calculation.path("Statistics").path("Progress").isTextual(), "Progress is not a string: " + calculation);
        assertTrue(calculation.path("Statistics").path("DpuExecutionInMillis").asLong() > 0, "no DPU time: " + calculation);
        String stdOut = calculation.path("Result").path("StdOutS3Uri").asText();
        assertTrue(stdOut.startsWith("s3://"), "no StdOutS3Uri: " + calculation);
        String printed = server.readResult(stdOut);
        assertTrue(printed.contains("|one|  s|") && printed.contains("|  1|  a|"), "stdout lacks the shown table: " + printed);

        JsonNode codeBlock = athenaJson("get-calculation-execution-code", "--calculation-execution-id", calculationId);
        assertEquals(code, codeBlock.get("CodeBlock").asText());
    }

    @Test
    void unknownSessionIsInvalidRequest() {
        String unknown = UUID.randomUUID().toString();
        Commands.Result result = athena("get-session", "--session-id", unknown);
        assertNotEquals(0, result.exitCode(), "get-session of an unknown session succeeded: " + result);
        assertTrue(result.stderr().contains("InvalidRequestException"), "stderr does not name the error: " + result);
        assertTrue(result.stderr().contains(unknown), "the message does not name the session: " + result);
    }

    /** The flow Terraform's and CloudFormation's workgroup resources run: create with tags, read them back, change, delete. */
    @Test
    void aWorkGroupsTagsAreCreatedReadChangedAndDeletedWithIt() {
        String name = "tagged-" + UUID.randomUUID().toString().substring(0, 8);
        String arn = "arn:aws:athena:us-east-1:123456789012:workgroup/" + name;
        succeeds("create-work-group", "--name", name, "--description", "made with tags", "--tags", "Key=team,Value=data", "Key=env,Value=dev");
        assertEquals("[{\"Key\":\"env\",\"Value\":\"dev\"},{\"Key\":\"team\",\"Value\":\"data\"}]",
                athenaJson("list-tags-for-resource", "--resource-arn", arn).get("Tags").toString());

        succeeds("tag-resource", "--resource-arn", arn, "--tags", "Key=env,Value=prod", "Key=owner,Value=ana");
        succeeds("untag-resource", "--resource-arn", arn, "--tag-keys", "team");
        assertEquals("[{\"Key\":\"env\",\"Value\":\"prod\"},{\"Key\":\"owner\",\"Value\":\"ana\"}]",
                athenaJson("list-tags-for-resource", "--resource-arn", arn).get("Tags").toString());
        succeeds("update-work-group", "--work-group", name, "--description", "changed");
        assertEquals("changed", athenaJson("get-work-group", "--work-group", name).path("WorkGroup").path("Description").asText());

        succeeds("delete-work-group", "--work-group", name, "--recursive-delete-option");
        Commands.Result gone = athena("list-tags-for-resource", "--resource-arn", arn);
        assertNotEquals(0, gone.exitCode(), "tags of a deleted workgroup were listed: " + gone);
        assertTrue(gone.stderr().contains("ResourceNotFoundException"), "stderr does not name the error: " + gone);
    }

    /** The README's command for a HIVE catalog of one's own metastore: the CLI's shorthand carries the Thrift URI whole. */
    @Test
    void aHiveCatalogOfAMetastoreIsMadeAsTheReadmeSays() {
        String name = "warehouse_" + UUID.randomUUID().toString().substring(0, 8);
        succeeds("create-data-catalog", "--name", name, "--type", "HIVE", "--parameters", "metastore-uri=thrift://metastore.internal:9083");
        assertEquals("{\"metastore-uri\":\"thrift://metastore.internal:9083\"}",
                athenaJson("get-data-catalog", "--name", name).path("DataCatalog").path("Parameters").toString());
        Commands.Result unreachable = athena("list-databases", "--catalog-name", name);
        assertNotEquals(0, unreachable.exitCode());
        assertTrue(unreachable.stderr().contains("MetadataException") && unreachable.stderr().contains("thrift://metastore.internal:9083"),
                "stderr does not say which metastore cannot be reached: " + unreachable);
        succeeds("delete-data-catalog", "--name", name);
    }

    /** StartSession's Tags, CopyWorkGroupTags and MonitoringConfiguration as the CLI sends them, and tags on the session's ARN. */
    @Test
    void aSessionStartsWithTagsAndAMonitoringConfiguration() {
        String monitoring = "{\"CloudWatchLoggingConfiguration\":{\"Enabled\":true,\"LogGroup\":\"/athena/cli\"}}";
        JsonNode started = athenaJson("start-session", "--work-group", "spark", "--engine-configuration", "MaxConcurrentDpus=2",
                "--tags", "Key=owner,Value=cli", "--no-copy-work-group-tags", "--monitoring-configuration", monitoring);
        String sessionId = started.get("SessionId").asText();
        assertEquals(monitoring, athenaJson("get-session", "--session-id", sessionId).get("MonitoringConfiguration").toString());
        String arn = "arn:aws:athena:us-east-1:123456789012:session/" + sessionId;
        assertEquals("[{\"Key\":\"owner\",\"Value\":\"cli\"}]", athenaJson("list-tags-for-resource", "--resource-arn", arn).get("Tags").toString());
        succeeds("terminate-session", "--session-id", sessionId);
    }

    // ---- running the CLI

    private static void succeeds(String... arguments) {
        Commands.Result result = athena(arguments);
        assertEquals(0, result.exitCode(), "aws athena " + String.join(" ", arguments) + " failed: " + result);
    }

    private interface Poll {
        JsonNode get();
    }

    /** Polls until {@code Status.State} is {@code state}; fails at once on a final state that is not it. */
    private static JsonNode awaitState(String what, String state, Poll poll) {
        long deadline = System.nanoTime() + WAIT_TIMEOUT.toNanos();
        while (true) {
            JsonNode response = poll.get();
            String current = response.path("Status").path("State").asText();
            if (current.equals(state)) {
                return response;
            }
            if (List.of("COMPLETED", "FAILED", "CANCELED", "TERMINATED", "DEGRADED").contains(current)) {
                fail(what + " ended " + current + " while waiting for " + state + ": " + response);
            }
            if (System.nanoTime() > deadline) {
                fail(what + " is still " + current + " after " + WAIT_TIMEOUT.toSeconds() + " s: " + response);
            }
            Athena.sleep(200);
        }
    }

    private static JsonNode athenaJson(String... arguments) {
        Commands.Result result = athena(arguments);
        assertEquals(0, result.exitCode(), "aws athena " + String.join(" ", arguments) + " failed: " + result);
        try {
            return JSON.readTree(result.stdout());
        }
        catch (IOException e) {
            throw new AssertionError("aws athena " + arguments[0] + " printed no JSON: " + result, e);
        }
    }

    private static Commands.Result athena(String... arguments) {
        List<String> command = new ArrayList<>(List.of("aws", "athena"));
        command.addAll(List.of(arguments));
        command.addAll(List.of("--endpoint-url", server.endpoint().toString(), "--region", "us-east-1", "--output", "json"));
        return Commands.run(command, Map.of("AWS_ACCESS_KEY_ID", "test", "AWS_SECRET_ACCESS_KEY", "test"), COMMAND_TIMEOUT);
    }
}
