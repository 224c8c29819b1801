package io.noctua.console;

import io.noctua.http.HttpRequest;
import io.noctua.http.HttpResponse;
import io.noctua.http.Route;
import io.noctua.results.ResultStore;
import io.noctua.results.S3Location;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * The web console at {@code /console}: a page, its script and its style, served from the classpath.
 * The page drives Noctua through the public Athena API (POST /) like any client. What an Athena
 * console reads from S3 (a calculation's stdout, stderr and result) it reads here instead, at
 * {@code /console/output?uri=s3://...} ({@link #OUTPUT_PATH}), so the browser needs neither S3
 * credentials nor CORS; when the server checks signatures, the page signs that call too.
 */
public final class Console implements Route {
    private static final Logger LOG = Logger.getLogger(Console.class.getName());
    public static final String PATH = "/console";
    public static final String OUTPUT_PATH = PATH + "/output";
    private static final Map<String, String[]> FILES = Map.of(
            "", new String[] {"index.html", "text/html; charset=utf-8"},
            "/", new String[] {"index.html", "text/html; charset=utf-8"},
            "/console.js", new String[] {"console.js", "text/javascript; charset=utf-8"},
            "/console.css", new String[] {"console.css", "text/css; charset=utf-8"},
            "/sigv4.js", new String[] {"sigv4.js", "text/javascript; charset=utf-8"});
    /** Outputs larger than this are cut, with a note, so that a huge stdout cannot stall the page. */
    private static final int MAX_OUTPUT_BYTES = 1 << 20;
    /** The page runs its own script only; code and outputs are shown as text, never as markup. */
    private static final Map<String, String> HEADERS = Map.of(
            "Cache-Control", "no-store",
            "X-Content-Type-Options", "nosniff",
            "Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                    + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'");

    private final ResultStore results;
    private final Map<String, byte[]> files;

    public Console(ResultStore results) {
        this.results = requireNonNull(results, "results is null");
        this.files = Map.of("index.html", resource("index.html"), "console.js", resource("console.js"), "console.css", resource("console.css"),
                "sigv4.js", resource("sigv4.js"));
    }

    private static byte[] resource(String name) {
        try (InputStream in = Console.class.getResourceAsStream(name)) {
            return requireNonNull(in, name + " is missing from the classpath").readAllBytes();
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot read the console's " + name, e);
        }
    }

    @Override
    public HttpResponse handle(HttpRequest request) {
        String path = request.path().substring(PATH.length());
        HttpResponse response;
        if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
            response = HttpResponse.text(405, "the console takes GET only\n");
        }
        else if (request.path().equals(OUTPUT_PATH)) {
            response = output(request);
        }
        else if (FILES.containsKey(path)) {
            String[] file = FILES.get(path);
            response = HttpResponse.of(200, file[1], files.get(file[0]));
        }
        else {
            response = HttpResponse.text(404, "no such page: " + PATH + path + "\n");
        }
        return response.withHeaders(HEADERS);
    }

    private HttpResponse output(HttpRequest request) {
        String uri = request.queryParameters().get("uri");
        if (uri == null || !S3Location.isValid(uri)) {
            return HttpResponse.text(400, "give ?uri=s3://bucket/key\n");
        }
        byte[] content;
        try {
            content = results.read(S3Location.parse(uri));
        }
        catch (RuntimeException e) {
            LOG.log(Level.FINE, "console: cannot read " + uri, e);
            return HttpResponse.text(404, "cannot read " + uri + ": " + e.getMessage() + "\n");
        }
        HttpResponse response = HttpResponse.of(200, "text/plain; charset=utf-8",
                content.length > MAX_OUTPUT_BYTES ? Arrays.copyOf(content, MAX_OUTPUT_BYTES) : content);
        return content.length > MAX_OUTPUT_BYTES ? response.withHeader("X-Noctua-Truncated", Integer.toString(content.length)) : response;
    }
}
