package io.noctua.http;

import io.noctua.testing.RawHttp;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The HTTP server alone, without Spark: its smallest configuration works, and a taken port is named. */
class HttpServerTest {
    private static final HttpServer.ErrorPages ERRORS = (status, reason) -> HttpResponse.text(status, reason);

    private static HttpServer start(int threads, int port) {
        return HttpServer.start(new HttpServer.Settings("127.0.0.1", port, threads, 1024, 8192, Duration.ofSeconds(5)),
                request -> HttpResponse.text(200, request.method() + " " + request.path() + " " + request.body().length), ERRORS);
    }

    @Test
    void oneThreadIsEnough() {
        try (HttpServer server = start(1, 0)) {
            URI endpoint = URI.create("http://127.0.0.1:" + server.port());
            for (int i = 0; i < 3; i++) {
                RawHttp.Answer answer = RawHttp.exchange(endpoint, "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
                assertEquals(200, answer.status());
                assertEquals("POST /x 2", answer.body());
            }
            RawHttp.Answer tooLarge = RawHttp.exchange(endpoint, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n");
            assertEquals(413, tooLarge.status());
            assertEquals("The request body is larger than 1024 bytes", tooLarge.body());
        }
    }

    @Test
    void aClientWaitingForContinueIsRefusedAtOnce() {
        try (HttpServer server = start(1, 0)) {
            URI endpoint = URI.create("http://127.0.0.1:" + server.port());
            // it gets the refusal instead of a 100 Continue, and never sends the body
            RawHttp.Answer early = RawHttp.exchange(endpoint, "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n");
            assertEquals(413, early.status());
        }
    }

    @Test
    void aTakenPortIsNamed() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            HttpServer.HttpServerException e = assertThrows(HttpServer.HttpServerException.class, () -> start(4, taken.getLocalPort()));
            assertEquals("cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": Address already in use", e.getMessage());
        }
    }
}
