package io.noctua.operations;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.noctua.http.HttpRequest;
import io.noctua.http.HttpResponse;
import io.noctua.http.Route;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * {@code GET /health}: whether each part the server needs is up (Spark, the store, the S3 store), for
 * container and Kubernetes probes: 200 when all are, 503 naming what is not. A check's answer is kept
 * for a second, so that probes and scrapes in quick succession do not each reach the store and S3.
 */
public final class Health implements Route {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration KEPT = Duration.ofSeconds(1);

    /** A part of the server; {@code probe} returns null when it is up, else why it is not. */
    public record Check(String name, Supplier<String> probe) {
        public Check {
            requireNonNull(name, "name is null");
            requireNonNull(probe, "probe is null");
        }
    }

    /** A check's outcome: up, or the reason it is not. */
    public record Status(boolean up, String detail) {
    }

    private final List<Check> checks;
    private final Clock clock;
    private Map<String, Status> last = Map.of();
    private Instant lastAt = Instant.MIN;

    public Health(List<Check> checks, Clock clock) {
        this.checks = List.copyOf(checks);
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** Each check's current outcome, in the order given. */
    public synchronized Map<String, Status> current() {
        Instant now = clock.instant();
        if (now.isBefore(lastAt.plus(KEPT))) {
            return last;
        }
        Map<String, Status> outcome = new LinkedHashMap<>();
        for (Check check : checks) {
            String problem;
            try {
                problem = check.probe().get();
            }
            catch (RuntimeException e) {
                problem = e.getMessage() == null ? e.toString() : e.getMessage();
            }
            outcome.put(check.name(), problem == null ? new Status(true, null) : new Status(false, problem));
        }
        last = Collections.unmodifiableMap(outcome);
        lastAt = now;
        return last;
    }

    @Override
    public HttpResponse handle(HttpRequest request) {
        if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
            return HttpResponse.text(405, "/health takes GET\n");
        }
        Map<String, Status> outcome = current();
        boolean up = outcome.values().stream().allMatch(Status::up);
        ObjectNode body = JSON.createObjectNode();
        body.put("status", up ? "UP" : "DOWN");
        ObjectNode parts = body.putObject("checks");
        outcome.forEach((name, status) -> {
            ObjectNode part = parts.putObject(name);
            part.put("status", status.up() ? "UP" : "DOWN");
            if (status.detail() != null) {
                part.put("detail", status.detail());
            }
        });
        return HttpResponse.of(up ? 200 : 503, "application/json", (body.toString() + "\n").getBytes(StandardCharsets.UTF_8))
                .withHeader("Cache-Control", "no-store");
    }
}
