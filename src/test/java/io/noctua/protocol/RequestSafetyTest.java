package io.noctua.protocol;

import io.noctua.testing.Athena;
import io.noctua.testing.RawHttp;
import io.noctua.testing.RawHttp.Answer;
import io.noctua.testing.ServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a web page, a careless client or a slow one can do to the server, sent byte for byte: forged
 * requests are refused before anything runs, stalled connections hold no thread, and broken
 * framing gets a 4xx in the API's error shape.
 */
class RequestSafetyTest {
    private static final String JSON = "Content-Type: application/x-amz-json-1.1\r\n";

    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private static URI endpoint() {
        return running.server().endpoint();
    }

    private static String own() {
        return endpoint().getHost() + ":" + endpoint().getPort();
    }

    private static int sessionCount() {
        return running.client().listSessions(r -> r.workGroup("spark")).sessions().size();
    }

    @Test
    void requestsABrowserCouldForgeAreRefusedAndCreateNothing() {
        String start = "{\"WorkGroup\": \"spark\", \"EngineConfiguration\": {\"MaxConcurrentDpus\": 2}}";
        int before = sessionCount();

        Answer rebound = RawHttp.exchange(endpoint(), RawHttp.athenaRequest(endpoint(), "StartSession", start,
                "Host: evil.example:" + endpoint().getPort() + "\r\n" + JSON + "Origin: http://evil.example:" + endpoint().getPort() + "\r\n"));
        assertEquals(403, rebound.status(), rebound.body());
        assertEquals("AccessDeniedException", rebound.type());
        assertTrue(rebound.message().startsWith("Host 'evil.example:" + endpoint().getPort() + "' is not a name this server serves"), rebound.message());

        Answer crossOrigin = RawHttp.exchange(endpoint(), RawHttp.athenaRequest(endpoint(), "StartSession", start,
                JSON + "Origin: http://evil.example\r\n"));
        assertEquals(403, crossOrigin.status(), crossOrigin.body());
        assertEquals("AccessDeniedException", crossOrigin.type());
        assertEquals("Origin 'http://evil.example' is not this server's: Noctua's API takes no requests from other web pages", crossOrigin.message());

        Answer nullOrigin = RawHttp.exchange(endpoint(), RawHttp.athenaRequest(endpoint(), "StartSession", start, JSON + "Origin: null\r\n"));
        assertEquals(403, nullOrigin.status(), nullOrigin.body());

        Answer formPost = RawHttp.exchange(endpoint(), RawHttp.athenaRequest(endpoint(), "StartSession", start, "Content-Type: text/plain\r\n"));
        assertEquals(415, formPost.status(), formPost.body());
        assertEquals("UnsupportedMediaTypeException", formPost.type());
        assertEquals("The AWS JSON 1.1 protocol takes Content-Type application/x-amz-json-1.1, not text/plain", formPost.message());

        Answer noType = RawHttp.exchange(endpoint(), RawHttp.athenaRequest(endpoint(), "StartSession", start, ""));
        assertEquals(415, noType.status(), noType.body());
        assertEquals("The AWS JSON 1.1 protocol takes Content-Type application/x-amz-json-1.1; the request has none", noType.message());

        assertEquals(before, sessionCount(), "a refused StartSession created a session");

        // the same request from the server's own origin (the console) goes through
        Answer own = RawHttp.exchange(endpoint(), RawHttp.athenaRequest(endpoint(), "StartSession", start,
                JSON + "Origin: http://" + own() + "\r\n"));
        assertEquals(200, own.status(), own.body());
        assertEquals(before + 1, sessionCount());
        running.client().terminateSession(r -> r.sessionId(own.json().path("SessionId").asText()));
    }

    @Test
    void aForgedCalculationRunsNothing() {
        AthenaClient athena = running.client();
        String sessionId = Athena.startIdleSession(athena);
        String start = "{\"SessionId\": \"" + sessionId + "\", \"CodeBlock\": \"open('/tmp/noctua-forged', 'w').write('ran')\"}";
        for (String headers : List.of(
                "Host: evil.example\r\n" + JSON,
                JSON + "Origin: https://evil.example\r\n",
                "Content-Type: text/plain;charset=UTF-8\r\n",
                "Content-Type: application/x-www-form-urlencoded\r\n")) {
            Answer answer = RawHttp.exchange(endpoint(), RawHttp.athenaRequest(endpoint(), "StartCalculationExecution", start, headers));
            assertTrue(answer.status() == 403 || answer.status() == 415, headers + " -> " + answer.status() + " " + answer.body());
        }
        assertEquals(List.of(), athena.listCalculationExecutions(r -> r.sessionId(sessionId)).calculations());
        athena.terminateSession(r -> r.sessionId(sessionId));
    }

    @Test
    void theConsoleAndItsOutputsAreRefusedUnderAForeignHost() {
        for (String path : List.of("/console", "/console/output?uri=s3%3A%2F%2Fnoctua-results%2Fx")) {
            Answer answer = RawHttp.exchange(endpoint(), "GET " + path + " HTTP/1.1\r\nHost: attacker.test\r\nConnection: close\r\n\r\n");
            assertEquals(403, answer.status(), path);
            assertEquals("AccessDeniedException", answer.type(), path);
        }
        assertEquals(200, RawHttp.exchange(endpoint(), "GET /console HTTP/1.1\r\nHost: localhost:" + endpoint().getPort()
                + "\r\nConnection: close\r\n\r\n").status());
    }

    @Test
    void stalledConnectionsDoNotDelayOtherCalls() throws IOException {
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 128; i++) {
                Socket socket = RawHttp.connect(endpoint());
                String head = i % 2 == 0
                        ? "POST / HTTP/1.1\r\nHost: " + own() + "\r\nX-Amz-Tar"  // headers never finished
                        : RawHttp.athenaRequest(endpoint(), "ListWorkGroups", "", JSON).replace("Content-Length: 0", "Content-Length: 1000") + "{\"Ma";
                socket.getOutputStream().write(head.getBytes(StandardCharsets.UTF_8));
                socket.getOutputStream().flush();
                stalled.add(socket);
            }
            for (int i = 0; i < 5; i++) {
                long begin = System.nanoTime();
                running.client().listEngineVersions(r -> { });
                running.client().listSessions(r -> r.workGroup("spark"));
                long millis = (System.nanoTime() - begin) / 1_000_000;
                assertTrue(millis < 3_000, "two calls took " + millis + " ms beside 128 stalled connections");
            }
        }
        finally {
            for (Socket socket : stalled) {
                socket.close();
            }
        }
    }

    @Test
    void brokenFramingGetsA4xxInTheApiShapeAndOneLogLineAtMost() {
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    records.add(record);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger root = Logger.getLogger("io.noctua");
        root.addHandler(capture);
        try {
            String host = "Host: " + own() + "\r\n";
            String target = "X-Amz-Target: AmazonAthena.ListWorkGroups\r\n" + JSON;
            List<String[]> cases = List.of(
                    new String[] {"chunk size zz", "POST / HTTP/1.1\r\n" + host + target + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"},
                    new String[] {"truncated chunked body", "POST / HTTP/1.1\r\n" + host + target + "Transfer-Encoding: chunked\r\n\r\n10\r\n{\"Max"},
                    new String[] {"body shorter than Content-Length", "POST / HTTP/1.1\r\n" + host + target + "Content-Length: 100\r\n\r\n{}"},
                    new String[] {"Content-Length not a number", "POST / HTTP/1.1\r\n" + host + target + "Content-Length: abc\r\n\r\n{}"},
                    new String[] {"two Content-Lengths", "POST / HTTP/1.1\r\n" + host + target + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}"},
                    new String[] {"request line", "HELLO\r\n\r\n"},
                    new String[] {"GET //", "GET // HTTP/1.1\r\n" + host + "\r\n"},
                    new String[] {"headers too large", "GET / HTTP/1.1\r\n" + host + "X-Big: " + "b".repeat(20_000) + "\r\n\r\n"},
                    new String[] {"HTTP/1.1 without Host", "POST / HTTP/1.1\r\n" + target + "Content-Length: 2\r\n\r\n{}"});
            for (String[] framing : cases) {
                records.clear();
                Answer answer = RawHttp.exchange(endpoint(), framing[1].getBytes(StandardCharsets.UTF_8), true);
                assertTrue(answer.status() >= 400 && answer.status() < 500, framing[0] + " -> " + answer.status() + " " + answer.body());
                assertFalse(answer.type().isEmpty(), framing[0] + " -> " + answer.body());
                assertEquals("application/x-amz-json-1.1", answer.headers().get("content-type"), framing[0]);
                assertTrue(records.size() <= 1, framing[0] + " logged " + records.size() + " lines");
                for (LogRecord record : records) {
                    assertNull(record.getThrown(), framing[0] + " logged a stack trace");
                }
            }
        }
        finally {
            root.removeHandler(capture);
        }
        // a chunked body (no Content-Length to refuse it by) over http.max-request-bytes
        StringBuilder chunked = new StringBuilder("POST / HTTP/1.1\r\nHost: " + own() + "\r\nX-Amz-Target: AmazonAthena.ListWorkGroups\r\n" + JSON
                + "Transfer-Encoding: chunked\r\n\r\n");
        String chunk = "x".repeat(64 * 1024);
        for (int i = 0; i < 20; i++) {
            chunked.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
        }
        chunked.append("0\r\n\r\n");
        Answer tooLarge = RawHttp.exchange(endpoint(), chunked.toString().getBytes(StandardCharsets.UTF_8), false);
        assertEquals(413, tooLarge.status(), tooLarge.body());
        assertEquals("RequestEntityTooLargeException", tooLarge.type());
        // the server still answers normally
        assertEquals(200, RawHttp.exchange(endpoint(), RawHttp.athenaRequest(endpoint(), "ListWorkGroups", "{}", JSON)).status());
    }
}
