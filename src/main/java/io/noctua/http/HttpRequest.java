package io.noctua.http;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * A request as the routes see it: read whole (the body is bounded by {@code http.max-request-bytes})
 * before any route runs, so no route ever blocks on a slow client.
 *
 * @param path the raw (undecoded) path, as the client sent it
 * @param rawQuery the raw query string without {@code ?}, or null
 * @param headers header values by lower-case name, in the order received
 */
public record HttpRequest(String method, String path, String rawQuery, Map<String, List<String>> headers, byte[] body) {
    public HttpRequest {
        requireNonNull(method, "method is null");
        requireNonNull(path, "path is null");
        requireNonNull(headers, "headers is null");
        requireNonNull(body, "body is null");
    }

    /** The first value of a header, by its name in any case. */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** The query's parameters, percent-decoded ({@code +} stays a plus); the first value of a name repeated. */
    public Map<String, String> queryParameters() {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return parameters;
        }
        for (String pair : rawQuery.split("&")) {
            int equals = pair.indexOf('=');
            String name = equals < 0 ? pair : pair.substring(0, equals);
            String value = equals < 0 ? "" : pair.substring(equals + 1);
            parameters.putIfAbsent(Percent.decode(name), Percent.decode(value));
        }
        return parameters;
    }
}
