package io.noctua.bench;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How long a session takes to be usable on a warm server: StartSession, then GetSessionStatus with a
 * 1 ms sleep between polls until IDLE, timed from sending StartSession to seeing IDLE. Each session
 * is terminated afterwards (not timed). For reference, the Spark part alone ({@code engine.newSession})
 * is timed on the same engine.
 *
 * <p>Options: {@code --n=100}, {@code --warmup=10}, {@code --poll-sleep-ms=1}.
 */
public final class SessionStartLatency {
    private static final String NAME = "SessionStartLatency";
    private static final String START = "{\"WorkGroup\":\"spark\",\"EngineConfiguration\":{\"MaxConcurrentDpus\":2}}";

    private SessionStartLatency() {
    }

    record Run(long totalNanos, long startCallNanos, int polls, double serverMillis) {
    }

    public static void main(String[] args) {
        int n = Bench.intOption(args, "n", 100);
        int warmup = Bench.intOption(args, "warmup", 10);
        int pollSleep = Bench.intOption(args, "poll-sleep-ms", 1);
        Bench.printMachine(NAME);
        System.out.printf("method: n=%d after %d warm-up sessions; one keep-alive loopback connection (plain socket); "
                + "%d ms sleep between status polls; each session terminated after it was seen IDLE%n%n", n, warmup, pollSleep);
        try (Bench.InProcess server = Bench.InProcess.start(); Wire wire = new Wire(server.port())) {
            for (int i = 0; i < warmup; i++) {
                runOne(wire, pollSleep);
            }
            CpuMeter cpu = CpuMeter.start(Map.of("this JVM (server+client)", ProcessHandle.current().pid()));
            List<Run> runs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                runs.add(runOne(wire, pollSleep));
            }
            String cpuLine = cpu.stop();
            long[] newSession = new long[n];
            for (int i = 0; i < warmup + n; i++) {
                long begin = System.nanoTime();
                server.newSession("bench-reference-" + i);
                long took = System.nanoTime() - begin;
                if (i >= warmup) {
                    newSession[i - warmup] = took;
                }
            }

            Stats total = Stats.ofNanos(runs.stream().mapToLong(Run::totalNanos).toArray());
            Stats startCall = Stats.ofNanos(runs.stream().mapToLong(Run::startCallNanos).toArray());
            Stats polls = Stats.ofMillis(runs.stream().mapToDouble(Run::polls).toArray());
            Stats serverSide = Stats.ofMillis(runs.stream().mapToDouble(Run::serverMillis).toArray());
            Stats engineOnly = Stats.ofNanos(newSession);
            System.out.println("StartSession .. IDLE seen:                     " + total.describe());
            System.out.println("  of it: StartSession call:                    " + startCall.describe());
            System.out.println("  of it: status calls per session:             " + polls.describe().replace(" (ms)", ""));
            System.out.println("  of it: server's StartDateTime..IdleSince:    " + serverSide.describe() + "  [millisecond timestamps]");
            System.out.println("reference: engine.newSession alone (no server): " + engineOnly.describe());
            System.out.println("during the measured sessions, " + cpuLine);
            System.out.println();
            Bench.result(NAME, "StartSession..IDLE p50 ms", String.format("%s (target <= 100 ms: %s)", Stats.ms(total.median()),
                    total.median() <= 100 ? "met" : "NOT met"));
            Bench.result(NAME, "StartSession..IDLE p90 ms", Stats.ms(total.percentile(90)));
            Bench.result(NAME, "StartSession..IDLE p99 ms", Stats.ms(total.percentile(99)));
            Bench.result(NAME, "engine.newSession alone p50 ms", Stats.ms(engineOnly.median()));
        }
        System.exit(0);
    }

    private static Run runOne(Wire wire, int pollSleepMillis) {
        long begin = System.nanoTime();
        JsonNode started = wire.call("StartSession", START);
        long startAnswered = System.nanoTime();
        String sessionId = started.get("SessionId").asText();
        String request = "{\"SessionId\":" + Wire.quote(sessionId) + "}";
        int polls = 0;
        while (true) {
            JsonNode status = wire.call("GetSessionStatus", request).get("Status");
            long seen = System.nanoTime();
            polls++;
            String state = status.get("State").asText();
            if (state.equals("IDLE")) {
                double server = Bench.apiMillisBetween(status.get("StartDateTime").asText(), status.get("IdleSinceDateTime").asText());
                String after = wire.call("TerminateSession", request).get("State").asText();
                if (!after.equals("TERMINATED")) {
                    throw new IllegalStateException("session " + sessionId + " is " + after + " after TerminateSession");
                }
                return new Run(seen - begin, startAnswered - begin, polls, server);
            }
            if (state.equals("FAILED") || state.equals("TERMINATED") || seen - begin > 120_000_000_000L) {
                throw new IllegalStateException("session " + sessionId + " did not become IDLE: " + status);
            }
            Bench.sleepMillis(pollSleepMillis);
        }
    }
}
