package io.noctua.operations;

import io.noctua.api.CalculationExecutionState;
import io.noctua.api.SessionState;
import io.noctua.engine.python.PythonWorkers;
import io.noctua.http.HttpRequest;
import io.noctua.http.HttpResponse;
import io.noctua.http.Route;
import io.noctua.protocol.AwsJsonApi;
import io.noctua.session.LiveSessions;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * {@code GET /metrics}: the server's state for Prometheus, through the Prometheus Java client: sessions
 * and calculations by state (live ones from memory, ended ones counted since the start), the latency
 * of every API operation, Python workers, whether each part of the server is up, and the JVM's own
 * metrics. A scrape reads memory only (and the {@link Health} checks, kept for a second).
 */
public final class Metrics implements Route {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final ExpositionFormats formats = ExpositionFormats.init();
    private final Histogram api;

    public Metrics(LiveSessions sessions, PythonWorkers pythonWorkers, Health health) {
        api = Histogram.builder()
                .name("noctua_api_request_duration_seconds")
                .help("Time to answer an Athena API call, by operation and HTTP status")
                .labelNames("operation", "status")
                .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
                .register(registry);
        live("noctua_sessions", "Sessions that have not ended, by state", SessionState.values(), SessionState::isTerminal,
                sessions::sessionsByState);
        ended("noctua_sessions_ended", "Sessions that ended since the server started, by final state", SessionState::isTerminal,
                sessions::sessionsEnded);
        live("noctua_calculations", "Calculations that have not ended, by state", CalculationExecutionState.values(),
                CalculationExecutionState::isTerminal, sessions::calculationsByState);
        ended("noctua_calculations_ended", "Calculations that ended since the server started, by final state",
                CalculationExecutionState::isTerminal, sessions::calculationsEnded);
        GaugeWithCallback.builder()
                .name("noctua_python_workers")
                .help("Python worker processes: warm (started ahead of need) or in use by a session")
                .labelNames("state")
                .callback(callback -> {
                    callback.call(pythonWorkers.warmCount(), "warm");
                    callback.call(pythonWorkers.inUseCount(), "in_use");
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("noctua_up")
                .help("Whether a part of the server is up (1) or not (0): spark, store, s3; as /health reports it")
                .labelNames("component")
                .callback(callback -> health.current().forEach((name, status) -> callback.call(status.up() ? 1 : 0, name)))
                .register(registry);
        JvmMetrics.builder().register(registry);
    }

    /** A gauge of how many are in each state that is not final, 0 for the states none is in. */
    private <S extends Enum<S>> void live(String name, String help, S[] states, Predicate<S> isFinal, Supplier<Map<S, Integer>> counts) {
        GaugeWithCallback.builder().name(name).help(help).labelNames("state")
                .callback(callback -> {
                    Map<S, Integer> now = counts.get();
                    for (S state : states) {
                        if (!isFinal.test(state)) {
                            callback.call(now.getOrDefault(state, 0), state.name());
                        }
                    }
                })
                .register(registry);
    }

    /** A counter of how many ended in each final state. */
    private <S extends Enum<S>> void ended(String name, String help, Predicate<S> isFinal, Supplier<Map<S, Long>> counts) {
        CounterWithCallback.builder().name(name).help(help).labelNames("state")
                .callback(callback -> counts.get().forEach((state, count) -> {
                    if (isFinal.test(state)) {
                        callback.call(count, state.name());
                    }
                }))
                .register(registry);
    }

    /** Records each API call's time; given to {@link AwsJsonApi}. */
    public AwsJsonApi.CallListener apiListener() {
        return (operation, status, nanos) -> api.labelValues(operation == null ? "unknown" : operation, Integer.toString(status))
                .observe(nanos / 1e9);
    }

    @Override
    public HttpResponse handle(HttpRequest request) {
        if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
            return HttpResponse.text(405, "/metrics takes GET\n");
        }
        ExpositionFormatWriter writer = formats.findWriter(request.header("Accept").orElse(null));
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            writer.write(out, registry.scrape());
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HttpResponse.of(200, writer.getContentType(), out.toByteArray()).withHeader("Cache-Control", "no-store");
    }
}
