package io.noctua.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.noctua.testing.Commands;
import io.noctua.testing.ServerExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code docs/operations.md} kept honest: it is what {@code tools/operations-table.py} writes from botocore's Athena
 * model (the tool refuses a model operation it does not describe), and a real server serves exactly the operations the
 * table calls served: each other operation of the model is refused as one Noctua does not serve yet.
 */
class OperationTableTest {
    private static final String TOOL = Path.of("tools", "operations-table.py").toAbsolutePath().toString();
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    @BeforeAll
    static void needsBotocore() {
        String missing = Commands.missing(List.of("python3", "-c", "import botocore"));
        assumeTrue(missing == null, missing);
    }

    @Test
    void theTableIsWhatTheToolWritesFromTheModel() {
        Commands.Result check = Commands.run(List.of("python3", TOOL, "--check"), Map.of(), Duration.ofMinutes(1));
        assertEquals(0, check.exitCode(), check.toString());
    }

    @Test
    void theServerServesWhatTheTableCallsServedAndRefusesTheRestAsNotServedYet() throws Exception {
        Commands.Result listed = Commands.run(List.of("python3", TOOL, "--json"), Map.of(), Duration.ofMinutes(1));
        assertEquals(0, listed.exitCode(), listed.toString());
        JsonNode statuses = JSON.readTree(listed.stdout());
        assertTrue(statuses.size() >= 70, "botocore's Athena model had 70 operations when this was written: " + statuses.size());
        List<String> wrong = new ArrayList<>();
        HttpClient http = HttpClient.newHttpClient();
        for (Iterator<Map.Entry<String, JsonNode>> entries = statuses.fields(); entries.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = entries.next();
            String operation = entry.getKey();
            // an empty body: served operations refuse it for their required members, or answer a listing; none changes anything
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(running.server().endpoint().resolve("/"))
                    .header("Content-Type", "application/x-amz-json-1.1")
                    .header("X-Amz-Target", "AmazonAthena." + operation)
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = JSON.readTree(response.body());
            boolean refusedAsNotServed = response.statusCode() == 400 && "UnknownOperationException".equals(body.path("__type").asText());
            boolean served = "served".equals(entry.getValue().asText());
            if (served && refusedAsNotServed) {
                wrong.add(operation + ": the table says served, the server says " + body);
            }
            if (!served) {
                String expected = "Noctua does not serve the operation " + operation
                        + " yet (docs/operations.md and the README say what it serves)";
                if (!refusedAsNotServed || !expected.equals(body.path("Message").asText())) {
                    wrong.add(operation + ": the table says not served yet, the server answers " + response.statusCode() + " " + body);
                }
            }
        }
        assertEquals(List.of(), wrong);
    }
}
