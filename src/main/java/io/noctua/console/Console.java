package io.noctua.console;

import io.noctua.http.HttpRequest;
import io.noctua.http.HttpResponse;
import io.noctua.http.Route;
import io.noctua.results.ResultStore;
import io.noctua.results.S3Location;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * The web console at {@code /console}: a page, its script and its style, served from the classpath.
 * The page drives Noctua through the public Athena API (POST /) like any client. What an Athena
 * console reads from S3 (a calculation's stdout, stderr and result) it reads here instead, at
 * {@code /console/output?uri=s3://...} ({@link #OUTPUT_PATH}), so the browser needs neither S3
 * credentials nor CORS; when the server checks signatures, the page signs that call too.
 * plotly.js, which draws calculations' Plotly figures, comes from the {@code plotly} package of the
 * workers' Python, at {@link #PLOTLY_PATH}: never from a CDN. A session's dashboard (GetResourceDashboard's
 * page for an ended session) is a page of its own, {@code /console/dashboard?session=ID}, which reads its
 * data from {@code /console/dashboard-data} (io.noctua.dashboard.DashboardData).
 */
public final class Console implements Route {
    private static final Logger LOG = Logger.getLogger(Console.class.getName());
    public static final String PATH = "/console";
    public static final String OUTPUT_PATH = PATH + "/output";
    public static final String PLOTLY_PATH = PATH + "/plotly.min.js";
    /** The notebook view, at {@code /console/notebook/<name>.ipynb}: the page a presigned notebook URL opens. */
    public static final String NOTEBOOK_PATH = PATH + "/notebook/";
    private static final Map<String, String[]> FILES = Map.ofEntries(
            Map.entry("", new String[] {"index.html", "text/html; charset=utf-8"}),
            Map.entry("/", new String[] {"index.html", "text/html; charset=utf-8"}),
            Map.entry("/console.js", new String[] {"console.js", "text/javascript; charset=utf-8"}),
            Map.entry("/common.js", new String[] {"common.js", "text/javascript; charset=utf-8"}),
            Map.entry("/notebook.js", new String[] {"notebook.js", "text/javascript; charset=utf-8"}),
            Map.entry("/console.css", new String[] {"console.css", "text/css; charset=utf-8"}),
            Map.entry("/plotly.css", new String[] {"plotly.css", "text/css; charset=utf-8"}),
            Map.entry("/sigv4.js", new String[] {"sigv4.js", "text/javascript; charset=utf-8"}),
            // a session's dashboard (GetResourceDashboard); its data is at /console/dashboard-data (io.noctua.dashboard.DashboardData)
            Map.entry("/dashboard", new String[] {"dashboard.html", "text/html; charset=utf-8"}),
            Map.entry("/dashboard.js", new String[] {"dashboard.js", "text/javascript; charset=utf-8"}),
            Map.entry("/dashboard.css", new String[] {"dashboard.css", "text/css; charset=utf-8"}));
    /** Outputs larger than this are cut, with a note, so that a huge stdout cannot stall the page. */
    private static final int MAX_OUTPUT_BYTES = 1 << 20;
    /**
     * A calculation's outputs.json is read whole, as a cut one is no JSON: the worker keeps all of a
     * calculation's rich outputs within 32 MiB, and this leaves room for the JSON around them.
     */
    private static final int MAX_OUTPUTS_JSON_BYTES = 40 << 20;
    /** Where the plotly package keeps its plotly.js, asked of the workers' Python. */
    private static final String PLOTLY_SCRIPT = "import plotly, os; "
            + "print(os.path.join(os.path.dirname(plotly.__file__), 'package_data', 'plotly.min.js'))";
    /** A Python without plotly is asked again after this long, so that installing it needs no restart. */
    private static final long PLOTLY_RETRY_NANOS = TimeUnit.MINUTES.toNanos(1);
    /**
     * The page runs its own scripts only (its own and plotly.js, both from this origin); code and
     * outputs are shown as text, never as markup. Images come as data: URLs; HTML outputs are shown in
     * frames sandboxed without scripts, from srcdoc (which keeps this policy).
     */
    private static final Map<String, String> HEADERS = Map.of(
            "Cache-Control", "no-store",
            "Referrer-Policy", "no-referrer",
            "X-Content-Type-Options", "nosniff",
            "Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                    + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'");

    private final ResultStore results;
    private final Supplier<String> pythonExecutable;
    private final Map<String, byte[]> files;
    /** plotly.js once found, or the 404 that says why not and when it was decided. */
    private HttpResponse plotly;
    private long plotlyCheckedAt;

    /** {@code pythonExecutable}: the workers' Python, asked where its plotly package keeps plotly.js. */
    public Console(ResultStore results, Supplier<String> pythonExecutable) {
        this.results = requireNonNull(results, "results is null");
        this.pythonExecutable = requireNonNull(pythonExecutable, "pythonExecutable is null");
        Map<String, byte[]> files = new java.util.HashMap<>();
        for (String[] file : FILES.values()) {
            files.computeIfAbsent(file[0], Console::resource);
        }
        files.put("notebook.html", resource("notebook.html"));
        this.files = Map.copyOf(files);
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
        else if (request.path().equals(PLOTLY_PATH)) {
            response = plotly();
        }
        else if (request.path().startsWith(NOTEBOOK_PATH)) {
            response = HttpResponse.of(200, "text/html; charset=utf-8", files.get("notebook.html"));
        }
        else if (FILES.containsKey(path)) {
            String[] file = FILES.get(path);
            response = HttpResponse.of(200, file[1], files.get(file[0]));
        }
        else {
            response = HttpResponse.text(404, "no such page: " + PATH + path + "\n");
        }
        response = response.withHeaders(HEADERS);
        // plotly.js is large and changes only when the workers' plotly does
        return response.status() == 200 && request.path().equals(PLOTLY_PATH) ? response.withHeader("Cache-Control", "max-age=3600") : response;
    }

    /** plotly.js from the workers' Python, asked once on first need; a 404 with the reason when it has no plotly. */
    private synchronized HttpResponse plotly() {
        if (plotly != null && (plotly.status() == 200 || System.nanoTime() - plotlyCheckedAt < PLOTLY_RETRY_NANOS)) {
            return plotly;
        }
        String python = pythonExecutable.get();
        try {
            plotly = HttpResponse.of(200, "text/javascript; charset=utf-8", Files.readAllBytes(plotlyPath(python)));
        }
        catch (IOException | RuntimeException e) {
            LOG.log(Level.INFO, "console: no plotly.js from " + python + ": " + e.getMessage());
            plotly = HttpResponse.text(404, "plotly is not installed in the workers' Python (" + python + "): " + e.getMessage() + "\n");
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return HttpResponse.text(503, "interrupted while looking for plotly.js\n");
        }
        plotlyCheckedAt = System.nanoTime();
        return plotly;
    }

    private static Path plotlyPath(String python) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(List.of(python, "-c", PLOTLY_SCRIPT))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        process.getOutputStream().close();
        String out;
        try (InputStream in = process.getInputStream()) {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IOException("it did not answer within 30 s");
            }
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        finally {
            process.destroyForcibly();
        }
        if (process.exitValue() != 0) {
            throw new IOException("import plotly failed (exit " + process.exitValue() + ")");
        }
        Path path = Path.of(out);
        if (!Files.isRegularFile(path)) {
            throw new IOException("no file at " + path);
        }
        return path;
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
        int max = uri.endsWith("/outputs.json") ? MAX_OUTPUTS_JSON_BYTES : MAX_OUTPUT_BYTES;
        HttpResponse response = HttpResponse.of(200, "text/plain; charset=utf-8",
                content.length > max ? Arrays.copyOf(content, max) : content);
        return content.length > max ? response.withHeader("X-Noctua-Truncated", Integer.toString(content.length)) : response;
    }
}
