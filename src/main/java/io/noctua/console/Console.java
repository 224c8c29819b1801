package io.noctua.console;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.noctua.results.ResultStore;
import io.noctua.results.S3Location;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * The web console at {@code /console}: a page, its script and its style, served from the classpath.
 * The page drives Noctua through the public Athena API (POST /) like any client. What an Athena
 * console reads from S3 (a calculation's stdout, stderr and result) it reads here instead, at
 * {@code /console/output?uri=s3://...}, so the browser needs neither S3 credentials nor CORS.
 */
public final class ConsoleHandler implements HttpHandler {
    private static final Logger LOG = Logger.getLogger(ConsoleHandler.class.getName());
    public static final String PATH = "/console";
    private static final Map<String, String[]> FILES = Map.of(
            "", new String[] {"index.html", "text/html; charset=utf-8"},
            "/", new String[] {"index.html", "text/html; charset=utf-8"},
            "/console.js", new String[] {"console.js", "text/javascript; charset=utf-8"},
            "/console.css", new String[] {"console.css", "text/css; charset=utf-8"});
    /** Outputs larger than this are cut, with a note, so that a huge stdout cannot stall the page. */
    private static final int MAX_OUTPUT_BYTES = 1 << 20;

    private final ResultStore results;

    public ConsoleHandler(ResultStore results) {
        this.results = requireNonNull(results, "results is null");
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath().substring(PATH.length());
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                send(exchange, 405, "text/plain; charset=utf-8", "the console takes GET only\n".getBytes(StandardCharsets.UTF_8));
            }
            else if (path.equals("/output")) {
                output(exchange);
            }
            else if (FILES.containsKey(path)) {
                String[] file = FILES.get(path);
                try (InputStream in = ConsoleHandler.class.getResourceAsStream(file[0])) {
                    send(exchange, 200, file[1], requireNonNull(in, file[0] + " is missing from the classpath").readAllBytes());
                }
            }
            else {
                send(exchange, 404, "text/plain; charset=utf-8", ("no such page: " + PATH + path + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private void output(HttpExchange exchange) throws IOException {
        String query = exchange.getRequestURI().getRawQuery();
        String uri = query != null && query.startsWith("uri=") ? URLDecoder.decode(query.substring(4), StandardCharsets.UTF_8) : null;
        if (uri == null || !S3Location.isValid(uri)) {
            send(exchange, 400, "text/plain; charset=utf-8", "give ?uri=s3://bucket/key\n".getBytes(StandardCharsets.UTF_8));
            return;
        }
        byte[] content;
        try {
            content = results.read(S3Location.parse(uri));
        }
        catch (RuntimeException e) {
            LOG.log(Level.FINE, "console: cannot read " + uri, e);
            send(exchange, 404, "text/plain; charset=utf-8", ("cannot read " + uri + ": " + e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (content.length > MAX_OUTPUT_BYTES) {
            byte[] cut = new byte[MAX_OUTPUT_BYTES];
            System.arraycopy(content, 0, cut, 0, cut.length);
            exchange.getResponseHeaders().set("X-Noctua-Truncated", Integer.toString(content.length));
            content = cut;
        }
        send(exchange, 200, "text/plain; charset=utf-8", content);
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        // the page runs its own script only; code and outputs are shown as text, never as markup
        exchange.getResponseHeaders().set("Content-Security-Policy",
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
