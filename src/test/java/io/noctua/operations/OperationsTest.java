package io.noctua.operations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.noctua.testing.Athena;
import io.noctua.testing.Commands;
import io.noctua.testing.PythonPackages;
import io.noctua.testing.RawHttp;
import io.noctua.testing.RawHttp.Answer;
import io.noctua.testing.ServerExtension;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code /health} for probes and {@code /metrics} for Prometheus, read as their users read them. */
class OperationsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Prometheus's own Python client parses the exposition; the test reads what it understood. */
    private static final String PARSE = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            families = {}
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                families[family.name] = {"type": family.type, "samples": [
                    {"name": s.name, "labels": s.labels, "value": s.value} for s in family.samples]}
            print(json.dumps(families))
            """;

    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private static Answer get(URI endpoint, String path) {
        return RawHttp.exchange(endpoint, "GET " + path + " HTTP/1.1\r\nHost: " + endpoint.getHost() + ":" + endpoint.getPort()
                + "\r\nConnection: close\r\n\r\n");
    }

    @Test
    void healthSaysEachPartIsUp() {
        Answer health = get(running.server().endpoint(), "/health");
        assertEquals(200, health.status(), health.body());
        assertEquals("application/json", health.headers().get("content-type"));
        JsonNode body = health.json();
        assertEquals("UP", body.path("status").asText());
        for (String part : List.of("spark", "store", "s3")) {
            assertEquals("UP", body.path("checks").path(part).path("status").asText(), health.body());
        }
        Answer foreign = RawHttp.exchange(running.server().endpoint(), "GET /health HTTP/1.1\r\nHost: rebound.example\r\nConnection: close\r\n\r\n");
        assertEquals(403, foreign.status());
    }

    @Test
    void anUnreachableS3StoreMakesTheServerUnhealthy() throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        try (TestingServer server = TestingServer.start(TestingServer.temporaryDirectory("noctua-health-"), Map.of(
                "s3.endpoint", "http://127.0.0.1:" + closed))) {
            Answer health = get(server.endpoint(), "/health");
            assertEquals(503, health.status(), health.body());
            JsonNode body = health.json();
            assertEquals("DOWN", body.path("status").asText());
            assertEquals("UP", body.path("checks").path("spark").path("status").asText());
            assertEquals("UP", body.path("checks").path("store").path("status").asText());
            assertEquals("DOWN", body.path("checks").path("s3").path("status").asText());
            assertTrue(body.path("checks").path("s3").path("detail").asText().contains("127.0.0.1:" + closed), health.body());
        }
    }

    @Test
    void metricsParseAsPrometheusTextAndCountWhatHappened() throws IOException {
        String pythonPath = PythonPackages.ensure("prometheus-client", "prometheus_client");
        assumeTrue(pythonPath != null, "prometheus-client cannot be installed here");
        AthenaClient athena = running.client();
        String sessionId = Athena.startIdleSession(athena);
        running.server().runCompleted(sessionId, "%%sql\nSELECT 1");

        Answer scrape = get(running.server().endpoint(), "/metrics");
        assertEquals(200, scrape.status());
        assertTrue(scrape.headers().get("content-type").startsWith("text/plain; version=0.0.4"), scrape.headers().toString());
        Path file = Files.createTempFile("noctua-metrics-", ".txt");
        Files.writeString(file, scrape.body());
        Commands.Result parsed = Commands.run(List.of("python3", "-c", PARSE, file.toString()), Map.of("PYTHONPATH", pythonPath),
                Duration.ofSeconds(60));
        Files.delete(file);
        assertEquals(0, parsed.exitCode(), parsed.toString());
        JsonNode families = JSON.readTree(parsed.stdout());

        assertEquals("gauge", families.path("noctua_sessions").path("type").asText());
        assertTrue(value(families, "noctua_sessions", "noctua_sessions", Map.of("state", "IDLE")) >= 1);
        assertEquals("counter", families.path("noctua_calculations_ended").path("type").asText());
        assertTrue(value(families, "noctua_calculations_ended", "noctua_calculations_ended_total", Map.of("state", "COMPLETED")) >= 1);
        assertEquals(0, value(families, "noctua_calculations", "noctua_calculations", Map.of("state", "RUNNING")));
        assertEquals("histogram", families.path("noctua_api_request_duration_seconds").path("type").asText());
        assertTrue(value(families, "noctua_api_request_duration_seconds", "noctua_api_request_duration_seconds_count",
                Map.of("operation", "StartSession", "status", "200")) >= 1);
        for (String part : List.of("spark", "store", "s3")) {
            assertEquals(1, value(families, "noctua_up", "noctua_up", Map.of("component", part)), part);
        }
        assertTrue(families.has("noctua_python_workers"));
        assertTrue(families.has("jvm_memory_used_bytes"), "no JVM metrics");
        athena.terminateSession(r -> r.sessionId(sessionId));
    }

    private static double value(JsonNode families, String family, String sample, Map<String, String> labels) {
        for (JsonNode s : families.path(family).path("samples")) {
            if (!s.path("name").asText().equals(sample)) {
                continue;
            }
            boolean all = labels.entrySet().stream().allMatch(l -> s.path("labels").path(l.getKey()).asText().equals(l.getValue()));
            if (all) {
                return s.path("value").asDouble();
            }
        }
        throw new AssertionError("no sample " + sample + labels + " in " + families.path(family));
    }
}
