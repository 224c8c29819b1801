package io.noctua.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Headless Chromium driven through chromedriver's W3C WebDriver protocol (JSON over HTTP): the few
 * commands the console's tests need, written out, instead of a WebDriver library whose Guava
 * would replace the one Spark's Hive client runs on. {@link #missing()} installs Debian's chromium and
 * chromium-driver through tools/install-chromium.sh when it can, and says why not otherwise.
 */
public final class Browser implements AutoCloseable {
    private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static String missing;
    private static boolean checked;

    private final Process driver;
    private final HttpClient http = HttpClient.newHttpClient();
    private final String base;
    private final String session;

    /** Null when chromium and chromedriver can be used; otherwise why not. Installs them on first call if it can. */
    public static synchronized String missing() {
        if (!checked) {
            checked = true;
            try {
                Path script = Path.of("tools", "install-chromium.sh").toAbsolutePath();
                Path log = Files.createTempFile("install-chromium-", ".log");
                Process install = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
                if (!install.waitFor(10, java.util.concurrent.TimeUnit.MINUTES)) {
                    install.destroyForcibly();
                    missing = "installing chromium took more than 10 minutes; see " + log;
                }
                else if (install.exitValue() != 0) {
                    missing = "chromium and chromium-driver are not available: " + Files.readString(log).strip();
                }
            }
            catch (IOException | InterruptedException e) {
                missing = "cannot run tools/install-chromium.sh: " + e.getMessage();
            }
        }
        return missing;
    }

    private Browser(Process driver, String base, String session) {
        this.driver = driver;
        this.base = base;
        this.session = session;
    }

    /** Starts chromedriver on a free port and a headless Chromium through it. */
    public static Browser start() throws Exception {
        int port;
        try (var socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path log = Files.createTempFile("chromedriver-", ".log");
        Process driver = new ProcessBuilder("chromedriver", "--port=" + port).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        String base = "http://127.0.0.1:" + port;
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try {
                HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create(base + "/status")).build(), HttpResponse.BodyHandlers.ofString());
                if (JSON.readTree(status.body()).path("value").path("ready").asBoolean()) {
                    break;
                }
            }
            catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                driver.destroyForcibly();
                throw new IllegalStateException("chromedriver did not start: " + Files.readString(log));
            }
            Thread.sleep(100);
        }
        ObjectNode capabilities = JSON.createObjectNode();
        ObjectNode always = capabilities.putObject("capabilities").putObject("alwaysMatch");
        always.put("browserName", "chrome");
        ObjectNode options = always.putObject("goog:chromeOptions");
        options.put("binary", "/usr/bin/chromium");
        var args = options.putArray("args");
        for (String arg : List.of("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000")) {
            args.add(arg);
        }
        JsonNode created = call(http, "POST", base + "/session", capabilities);
        return new Browser(driver, base, created.path("sessionId").asText());
    }

    private static JsonNode call(HttpClient http, String method, String url, JsonNode body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.toString()));
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode value = JSON.readTree(response.body()).path("value");
        if (response.statusCode() >= 400 || value.has("error")) {
            throw new IllegalStateException(method + " " + url + ": " + value.path("error").asText() + ": " + value.path("message").asText());
        }
        return value;
    }

    private JsonNode command(String method, String path, Map<String, Object> body) {
        try {
            return call(http, method, base + "/session/" + session + path, body == null ? null : JSON.valueToTree(body));
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public void open(String url) {
        command("POST", "/url", Map.of("url", url));
    }

    /** The elements matching a CSS selector, as WebDriver element references. */
    public List<String> findAll(String css) {
        List<String> found = new ArrayList<>();
        command("POST", "/elements", Map.of("using", "css selector", "value", css)).forEach(node -> found.add(node.path(ELEMENT).asText()));
        return found;
    }

    /** The first element matching {@code css}, waiting up to {@code timeout} for it. */
    public String await(String css, Duration timeout) {
        String[] found = new String[1];
        Athena.await(() -> {
            List<String> all = findAll(css);
            found[0] = all.isEmpty() ? null : all.get(0);
            return found[0] != null;
        }, "an element matching " + css, timeout);
        return found[0];
    }

    public void click(String element) {
        command("POST", "/element/" + element + "/click", Map.of());
    }

    /**
     * Clicks the first element matching {@code css} that is not disabled, once there is one (a click on a disabled button
     * does nothing). The page re-renders parts of itself as it polls (a running query's Stop button among them), so an
     * element found a moment ago may be gone: the click is then made on the element that replaced it.
     */
    public void click(String css, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String element = await(css + ":not([disabled])", Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            try {
                click(element);
                return;
            }
            catch (IllegalStateException e) {
                if (!String.valueOf(e.getMessage()).contains("stale element reference") || System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }

    public void type(String element, String text) {
        command("POST", "/element/" + element + "/value", Map.of("text", text));
    }

    public String text(String element) {
        return command("GET", "/element/" + element + "/text", null).asText();
    }

    /** Runs {@code script} in the page (its {@code return} value comes back as JSON). */
    public JsonNode script(String script) {
        return command("POST", "/execute/sync", Map.of("script", script, "args", List.of()));
    }

    public void awaitTrue(Supplier<Boolean> condition, String what, Duration timeout) {
        Athena.await(condition, what, timeout);
    }

    @Override
    public void close() {
        try {
            command("DELETE", "", null);
        }
        catch (RuntimeException ignored) {
            // the browser is going away anyway
        }
        driver.destroy();
    }
}
