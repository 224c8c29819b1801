package io.noctua;

import io.noctua.console.Console;
import io.noctua.results.ResultStore;
import io.noctua.results.S3Location;
import io.noctua.testing.Athena;
import io.noctua.testing.Commands;
import io.noctua.testing.TestingServer;
import io.noctua.testing.ServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the console's routes answer, over plain HTTP: its files with a strict CSP, outputs as text, clear errors. */
class ConsoleRoutesTest {
    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(running.server().endpoint() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void thePageAndItsFilesAreServedWithAStrictContentSecurityPolicy() throws Exception {
        HttpResponse<String> page = get("/console");
        assertEquals(200, page.statusCode());
        assertEquals("text/html; charset=utf-8", page.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElseThrow().contains("script-src 'self'"));
        assertTrue(page.body().contains("<script src=\"/console/console.js\" defer></script>"));
        assertEquals(200, get("/console/console.js").statusCode());
        assertEquals(200, get("/console/console.css").statusCode());
        HttpResponse<String> missing = get("/console/nothing-here");
        assertEquals(404, missing.statusCode());
        assertEquals("no such page: /console/nothing-here\n", missing.body());
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(running.server().endpoint() + "/console"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
    }

    @Test
    void outputsAreReadAsPlainTextAndBadAddressesAreRefused() throws Exception {
        String sessionId = Athena.startIdleSession(running.client());
        GetCalculationExecutionResponse done = Athena.run(running.client(), sessionId, "print('<i>text</i>')");
        HttpResponse<String> stdout = get("/console/output?uri=" + URLEncoder.encode(done.result().stdOutS3Uri(), StandardCharsets.UTF_8));
        assertEquals(200, stdout.statusCode());
        assertEquals("text/plain; charset=utf-8", stdout.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("nosniff", stdout.headers().firstValue("X-Content-Type-Options").orElseThrow());
        assertEquals("<i>text</i>\n", stdout.body());

        assertEquals(400, get("/console/output?uri=file:///etc/passwd").statusCode());
        HttpResponse<String> absent = get("/console/output?uri=" + URLEncoder.encode("s3://noctua-results/no/such/key", StandardCharsets.UTF_8));
        assertEquals(404, absent.statusCode());
        assertTrue(absent.body().startsWith("cannot read s3://noctua-results/no/such/key: "), absent.body());
    }

    /** A calculation's outputs.json is read whole (a cut one is no JSON), where stdout is cut at 1 MiB. */
    @Test
    void outputsJsonIsReadWholeWhereOtherOutputsAreCut() throws Exception {
        String big = "{\"outputs\": [{\"output_type\": \"display_data\", \"data\": {\"text/plain\": \"" + "x".repeat(3 << 20) + "\"}}]}";
        String output = running.server().server().config().defaultOutputLocation();
        String prefix = output + (output.endsWith("/") ? "" : "/") + "console-routes-test/" + System.nanoTime() + "/";
        running.server().server().results().write(List.of(
                new ResultStore.ResultObject(S3Location.parse(prefix + "result/outputs.json"), big.getBytes(StandardCharsets.UTF_8), "application/json"),
                new ResultStore.ResultObject(S3Location.parse(prefix + "stdout"), big.getBytes(StandardCharsets.UTF_8), "text/plain")));
        HttpResponse<String> outputs = get("/console/output?uri=" + URLEncoder.encode(prefix + "result/outputs.json", StandardCharsets.UTF_8));
        assertEquals(200, outputs.statusCode());
        assertEquals(big, outputs.body());
        assertTrue(outputs.headers().firstValue("X-Noctua-Truncated").isEmpty());
        HttpResponse<String> stdout = get("/console/output?uri=" + URLEncoder.encode(prefix + "stdout", StandardCharsets.UTF_8));
        assertEquals(1 << 20, stdout.body().length());
        assertEquals(Integer.toString(big.length()), stdout.headers().firstValue("X-Noctua-Truncated").orElseThrow());
    }

    /** The test server's workers run python3; without plotly there, plotly.js is a 404 that says so. */
    @Test
    void withoutPlotlyInTheWorkersPythonPlotlyJsIsA404ThatSaysSo() throws Exception {
        boolean installed = Commands.run(List.of("python3", "-c", "import plotly"), Map.of(), Duration.ofSeconds(60)).exitCode() == 0;
        HttpResponse<String> plotly = get(Console.PLOTLY_PATH);
        if (installed) {
            assertEquals(200, plotly.statusCode());
            return;
        }
        assertEquals(404, plotly.statusCode());
        assertTrue(plotly.body().startsWith("plotly is not installed in the workers' Python (python3): "), plotly.body());
        assertEquals("text/plain; charset=utf-8", plotly.headers().firstValue("Content-Type").orElseThrow());
    }

    /** plotly.js is the file the workers' Python names, asked for once; the console's policy still allows only this origin's scripts. */
    @Test
    void plotlyJsComesFromTheFileTheWorkersPythonNamesAskedOnce() throws Exception {
        Path dir = TestingServer.temporaryDirectory("noctua-fake-plotly-");
        Path script = dir.resolve("plotly.min.js");
        Files.writeString(script, "window.Plotly = {fake: true};\n");
        Path python = dir.resolve("python");
        Files.writeString(python, "#!/bin/sh\necho asked >> '" + dir.resolve("asked") + "'\necho '" + script + "'\n");
        Files.setPosixFilePermissions(python, PosixFilePermissions.fromString("rwx------"));
        AtomicInteger supplied = new AtomicInteger();
        Console console = new Console(running.server().server().results(), () -> {
            supplied.incrementAndGet();
            return python.toString();
        });
        io.noctua.http.HttpRequest request = new io.noctua.http.HttpRequest("GET", Console.PLOTLY_PATH, "", Map.of(), new byte[0]);
        for (int i = 0; i < 2; i++) {
            io.noctua.http.HttpResponse response = console.handle(request);
            assertEquals(200, response.status());
            assertEquals("text/javascript; charset=utf-8", response.headers().get("Content-Type"));
            assertArrayEquals(Files.readAllBytes(script), response.body());
            assertEquals("max-age=3600", response.headers().get("Cache-Control"));
            assertTrue(response.headers().get("Content-Security-Policy").contains("script-src 'self';"));
        }
        assertEquals(1, supplied.get());
        assertEquals(List.of("asked"), Files.readAllLines(dir.resolve("asked")));
    }
}
