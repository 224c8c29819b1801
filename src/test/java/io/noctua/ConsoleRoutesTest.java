package io.noctua;

import io.noctua.testing.Athena;
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
}
