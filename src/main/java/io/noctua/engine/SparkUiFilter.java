package io.noctua.engine;

import javax.servlet.Filter;
import javax.servlet.FilterChain;
import javax.servlet.ServletException;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static java.util.Objects.requireNonNull;

/**
 * The servlet filter in front of every page of Spark's web UI ({@code spark.ui.filters}, set by
 * {@link SparkUi}). Spark builds it by its class name, so what it enforces comes from the Noctua
 * servers that serve this driver: each {@link #open}s a {@link Gate} while it serves, and closes it when
 * it stops. With no gate open the UI answers 503; a request passes when a gate lets it through. Only
 * GET and HEAD pass: the UI is for reading.
 */
public final class SparkUiFilter implements Filter {
    /** One SparkContext per JVM, so one set of gates. */
    private static final List<Gate> GATES = new CopyOnWriteArrayList<>();

    /** What a Noctua server decides about a request to Spark's UI. */
    public interface Gate {
        /** Null to let the request through; else the answer it gets instead. */
        Answer check(Request request);
    }

    /**
     * @param path the raw path, as the client sent it
     * @param rawQuery the raw query string without {@code ?}, or null
     * @param headers header values by lower-case name
     */
    public record Request(String method, String path, String rawQuery, Map<String, List<String>> headers) {
        public Request {
            requireNonNull(method, "method is null");
            requireNonNull(path, "path is null");
            headers = Map.copyOf(headers);
        }
    }

    /** An answer in place of the page: a status, headers, and a line of text. */
    public record Answer(int status, Map<String, String> headers, String text) {
        public Answer {
            headers = Map.copyOf(headers);
            requireNonNull(text, "text is null");
        }
    }

    /** Puts {@code gate} in front of Spark's UI until the returned handle is closed. */
    public static AutoCloseable open(Gate gate) {
        requireNonNull(gate, "gate is null");
        GATES.add(gate);
        return () -> GATES.remove(gate);
    }

    @Override
    public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) servletRequest;
        HttpServletResponse response = (HttpServletResponse) servletResponse;
        String method = request.getMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            write(response, new Answer(405, Map.of("Allow", "GET, HEAD"), "Spark's UI is read-only here: stop calculations through the API"));
            return;
        }
        Answer refusal = null;
        Request seen = new Request(method, request.getRequestURI(), request.getQueryString(), headers(request));
        for (Gate gate : GATES) {
            Answer answer = gate.check(seen);
            if (answer == null) {
                chain.doFilter(servletRequest, servletResponse);
                return;
            }
            refusal = refusal == null ? answer : refusal;
        }
        write(response, refusal != null ? refusal
                : new Answer(503, Map.of(), "Spark's UI is served only while a Noctua server runs on this Spark driver"));
    }

    private static Map<String, List<String>> headers(HttpServletRequest request) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String name : Collections.list(request.getHeaderNames())) {
            headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), ignored -> new ArrayList<>()).addAll(Collections.list(request.getHeaders(name)));
        }
        return headers;
    }

    private static void write(HttpServletResponse response, Answer answer) throws IOException {
        response.setStatus(answer.status());
        answer.headers().forEach(response::setHeader);
        response.setHeader("Cache-Control", "no-store");
        response.setContentType("text/plain; charset=utf-8");
        byte[] body = (answer.text() + "\n").getBytes(StandardCharsets.UTF_8);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
