package io.noctua.http;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/** A whole response: status, headers and body, written in one go. */
public record HttpResponse(int status, Map<String, String> headers, byte[] body) {
    public HttpResponse {
        requireNonNull(headers, "headers is null");
        requireNonNull(body, "body is null");
        headers = Map.copyOf(headers);
    }

    public static HttpResponse of(int status, String contentType, byte[] body) {
        return new HttpResponse(status, Map.of("Content-Type", contentType), body);
    }

    public static HttpResponse text(int status, String text) {
        return of(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
    }

    /** This response with one more header (or a header replaced). */
    public HttpResponse withHeader(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new HttpResponse(status, more, body);
    }

    public HttpResponse withHeaders(Map<String, String> added) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.putAll(added);
        return new HttpResponse(status, more, body);
    }
}
