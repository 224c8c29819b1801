package io.noctua.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A soak run: {@code --sessions} clients each run {@code --calculations} calculations back to back in
 * a session of their own against {@code ./noctua serve}, with StopCalculationExecution and
 * TerminateSession thrown in at random moments, on loopback, bounded in count and in time
 * ({@code --minutes}). Afterwards it checks that every calculation ended in a state its events allow,
 * that GetCalculationExecution and ListCalculationExecutions agree on every one, that no call was
 * answered 5xx, that no session is left BUSY, and it compares the server's threads and heap (after a
 * full GC) with their values before the run.
 */
final class Soak {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FINAL = Set.of("COMPLETED", "FAILED", "CANCELED");
    private static final List<String> CELLS = List.of(
            "%%sql\nSELECT id % 7 AS k, count(*) AS n FROM range(5000) GROUP BY id % 7 ORDER BY k",
            "print(sum(range(10000)))",
            "%%sql\nSELECT reflect('java.lang.Thread', 'sleep', cast(200 as bigint)) AS slept",
            "import time\ntime.sleep(0.2)\nprint('slept')");

    private final int port;
    private final Random seed;
    private final AtomicInteger serverErrors = new AtomicInteger();
    private final AtomicInteger calls = new AtomicInteger();
    private final Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    /** Every calculation: its id, its session, and what was done to it. */
    private final Map<String, Done> calculations = new ConcurrentHashMap<>();
    private final Set<String> sessionsUsed = ConcurrentHashMap.newKeySet();
    private final AtomicLong deadline = new AtomicLong();

    private record Done(String sessionId, boolean stopped, boolean terminated, String finalState, String reason) {
    }

    private Soak(int port, long seed) {
        this.port = port;
        this.seed = new Random(seed);
    }

    public static void main(String[] args) throws Exception {
        int sessions = Bench.intOption(args, "sessions", 10);
        int perSession = Bench.intOption(args, "calculations", 500);
        int stopPercent = Bench.intOption(args, "stop-percent", 10);
        int terminatePercent = Bench.intOption(args, "terminate-percent", 2);
        int minutes = Bench.intOption(args, "minutes", 25);
        long seed = Long.parseLong(Bench.option(args, "seed", "20261129"));
        Bench.printMachine("Soak");
        System.out.printf("method: %d clients, each %d calculations back to back in a session of its own (a new one after a Terminate), "
                        + "cells drawn from %d kinds (SQL and Python, quick and 200 ms); %d%% of calculations get a StopCalculationExecution "
                        + "and %d%% a TerminateSession of their session, at a random moment (0-300 ms after the start); bounded at %d minutes; "
                        + "seed %d%n%n", sessions, perSession, CELLS.size(), stopPercent, terminatePercent, minutes, seed);
        try (ExternalServer server = ExternalServer.start("", List.of("--conf", "session.max-active=" + (sessions * 3),
                "--conf", "session.max-active-per-workgroup=" + (sessions * 3)), Map.of())) {
            Soak soak = new Soak(server.port, seed);
            soak.warmUp();
            Map<String, Integer> namesBefore = ProcessInfo.threadNames(server.pid());
            Idle before = Idle.measure(server.pid());
            boolean histogram = Boolean.parseBoolean(Bench.option(args, "histogram", "false"));
            if (histogram) {
                System.out.println("heap before:\n" + Idle.histogram(server.pid(), 15));
            }
            System.out.println("idle before: " + before);
            soak.deadline.set(System.nanoTime() + TimeUnit.MINUTES.toNanos(minutes));
            long begin = System.nanoTime();
            ExecutorService clients = Executors.newFixedThreadPool(sessions);
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                long clientSeed = soak.seed.nextLong();
                running.add(clients.submit(() -> soak.client(perSession, stopPercent, terminatePercent, new Random(clientSeed))));
            }
            for (Future<?> future : running) {
                future.get();
            }
            clients.shutdown();
            double seconds = (System.nanoTime() - begin) / 1e9;
            System.out.printf("%n%d calculations in %.1f s (%.1f per second), %d API calls%n", soak.calculations.size(), seconds,
                    soak.calculations.size() / seconds, soak.calls.get());
            soak.check();
            // pools keep idle threads for 60 s (Java's cached pools, Jetty's, Spark's block manager's): wait that long, then
            // until the count holds still
            long settleBegin = System.nanoTime();
            long last = -1;
            int still = 0;
            while ((still < 3 || System.nanoTime() - settleBegin < TimeUnit.SECONDS.toNanos(70))
                    && System.nanoTime() - settleBegin < TimeUnit.SECONDS.toNanos(180)) {
                Bench.sleepMillis(5_000);
                long now = ProcessInfo.threads(server.pid());
                still = now == last ? still + 1 : 0;
                last = now;
            }
            Map<String, Integer> namesAfter = ProcessInfo.threadNames(server.pid());
            Idle after = Idle.measure(server.pid());
            System.out.printf("idle after:  %s (settled for %.0f s)%n", after, (System.nanoTime() - settleBegin) / 1e9);
            System.out.println("thread names, after minus before: " + ProcessInfo.threadNameChanges(namesBefore, namesAfter));
            if (histogram) {
                System.out.println("heap after:\n" + Idle.histogram(server.pid(), 15));
            }
            soak.report(before, after);
        }
    }

    private void warmUp() {
        try (Wire wire = new Wire(port)) {
            String session = startSession(wire);
            for (String cell : CELLS) {
                String id = text(call(wire, "StartCalculationExecution", "{\"SessionId\":\"" + session + "\",\"CodeBlock\":" + Wire.quote(cell) + "}"),
                        "CalculationExecutionId");
                awaitFinal(wire, id);
            }
            call(wire, "TerminateSession", "{\"SessionId\":\"" + session + "\"}");
        }
    }

    private void client(int count, int stopPercent, int terminatePercent, Random random) {
        try (Wire wire = new Wire(port)) {
            String session = startSession(wire);
            for (int i = 0; i < count && System.nanoTime() < deadline.get(); i++) {
                String cell = CELLS.get(random.nextInt(CELLS.size()));
                JsonNode started = call(wire, "StartCalculationExecution", "{\"SessionId\":\"" + session + "\",\"CodeBlock\":"
                        + Wire.quote(cell) + "}");
                if (started == null) { // the session ended under it (a Terminate of ours): a new one
                    session = startSession(wire);
                    i--;
                    continue;
                }
                String id = text(started, "CalculationExecutionId");
                int dice = random.nextInt(100);
                boolean stop = dice < stopPercent;
                boolean terminate = !stop && dice < stopPercent + terminatePercent;
                if (stop || terminate) {
                    Bench.sleepMillis(random.nextInt(300));
                    if (stop) {
                        call(wire, "StopCalculationExecution", "{\"CalculationExecutionId\":\"" + id + "\"}");
                    }
                    else {
                        call(wire, "TerminateSession", "{\"SessionId\":\"" + session + "\"}");
                    }
                }
                JsonNode last = awaitFinal(wire, id);
                calculations.put(id, new Done(session, stop, terminate, last.path("Status").path("State").asText(),
                        last.path("Status").path("StateChangeReason").asText(null)));
                if (terminate) {
                    session = startSession(wire);
                }
            }
            call(wire, "TerminateSession", "{\"SessionId\":\"" + session + "\"}");
        }
        catch (RuntimeException e) {
            problems.add("a client stopped: " + e);
        }
    }

    private String startSession(Wire wire) {
        String id = text(call(wire, "StartSession", "{\"WorkGroup\":\"spark\",\"EngineConfiguration\":{\"MaxConcurrentDpus\":2}}"), "SessionId");
        sessionsUsed.add(id);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!"IDLE".equals(call(wire, "GetSessionStatus", "{\"SessionId\":\"" + id + "\"}").path("Status").path("State").asText())) {
            if (System.nanoTime() > until) {
                throw new IllegalStateException("session " + id + " not IDLE within 60 s");
            }
            Bench.sleepMillis(5);
        }
        return id;
    }

    private JsonNode awaitFinal(Wire wire, String id) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            JsonNode status = call(wire, "GetCalculationExecution", "{\"CalculationExecutionId\":\"" + id + "\"}");
            if (FINAL.contains(status.path("Status").path("State").asText())) {
                return status;
            }
            if (System.nanoTime() > until) {
                problems.add("calculation " + id + " did not end within 120 s: " + status);
                return status;
            }
            Bench.sleepMillis(5);
        }
    }

    /** The JSON answer; null for a 400 (a refusal the run expects, e.g. a session that was just terminated); 5xx counted. */
    private JsonNode call(Wire wire, String operation, String body) {
        Wire.Response response = wire.send(Wire.request(port, operation, body));
        calls.incrementAndGet();
        statuses.computeIfAbsent(response.status(), s -> new AtomicInteger()).incrementAndGet();
        if (response.status() >= 500) {
            serverErrors.incrementAndGet();
            problems.add(operation + " answered HTTP " + response.status() + ": " + response.text());
            return null;
        }
        if (response.status() != 200) {
            if (!operation.equals("StartCalculationExecution") || !response.text().contains("needs to be IDLE")) {
                problems.add(operation + " answered HTTP " + response.status() + ": " + response.text());
            }
            return null;
        }
        try {
            return JSON.readTree(response.body());
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String text(JsonNode node, String member) {
        if (node == null) {
            throw new IllegalStateException("no answer to read " + member + " from");
        }
        return node.path(member).asText();
    }

    /** Every calculation's final state is one its events allow; Get and List agree; no session is BUSY. */
    private void check() {
        Map<String, AtomicInteger> byState = new ConcurrentHashMap<>();
        try (Wire wire = new Wire(port)) {
            for (Map.Entry<String, Done> entry : calculations.entrySet()) {
                Done done = entry.getValue();
                byState.computeIfAbsent(done.finalState() + (done.stopped() ? " (stopped)" : done.terminated() ? " (terminated)" : ""),
                        s -> new AtomicInteger()).incrementAndGet();
                boolean allowed = switch (done.finalState()) {
                    case "COMPLETED" -> true; // a stop or terminate may come after the end
                    case "CANCELED" -> done.stopped() || done.terminated();
                    default -> false; // none of the cells fails by itself
                };
                if (!allowed) {
                    problems.add("calculation " + entry.getKey() + " ended " + done.finalState() + " (" + done.reason() + ")"
                            + (done.stopped() ? " after a stop" : done.terminated() ? " after a terminate" : ""));
                }
            }
            int compared = 0;
            for (String session : sessionsUsed) {
                String state = call(wire, "GetSessionStatus", "{\"SessionId\":\"" + session + "\"}").path("Status").path("State").asText();
                if (!state.equals("TERMINATED")) {
                    problems.add("session " + session + " is " + state + " after the run");
                }
                String next = null;
                do {
                    JsonNode page = call(wire, "ListCalculationExecutions", "{\"SessionId\":\"" + session + "\",\"MaxResults\":100"
                            + (next == null ? "" : ",\"NextToken\":" + Wire.quote(next)) + "}");
                    for (JsonNode listed : page.path("Calculations")) {
                        String id = listed.path("CalculationExecutionId").asText();
                        JsonNode got = call(wire, "GetCalculationExecution", "{\"CalculationExecutionId\":\"" + id + "\"}");
                        compared++;
                        if (!listed.path("Status").equals(got.path("Status"))) {
                            problems.add("calculation " + id + ": List says " + listed.path("Status") + ", Get says " + got.path("Status"));
                        }
                    }
                    next = page.hasNonNull("NextToken") ? page.get("NextToken").asText() : null;
                } while (next != null);
            }
            System.out.println("final states: " + new java.util.TreeMap<>(byState));
            System.out.println("Get and List compared on " + compared + " calculations; HTTP statuses: " + new java.util.TreeMap<>(statuses));
        }
    }

    private void report(Idle before, Idle after) {
        Bench.result("Soak", "calculations", Integer.toString(calculations.size()));
        Bench.result("Soak", "API calls answered 5xx", Integer.toString(serverErrors.get()));
        Bench.result("Soak", "problems (disallowed end, Get/List mismatch, BUSY session, unexpected refusal)", Integer.toString(problems.size()));
        Bench.result("Soak", "server threads idle before / after", before.threads() + " / " + after.threads());
        Bench.result("Soak", "server heap used after a full GC, before / after", ProcessInfo.mib(before.heapKib()) + " / " + ProcessInfo.mib(after.heapKib()));
        Bench.result("Soak", "server RSS before / after", ProcessInfo.mib(before.rssKib()) + " / " + ProcessInfo.mib(after.rssKib()));
        Bench.result("Soak", "Python worker processes before / after", before.workers() + " / " + after.workers());
        for (String problem : problems.subList(0, Math.min(20, problems.size()))) {
            System.out.println("problem: " + problem);
        }
    }

    /** The server at rest: its threads, its heap after a full GC (jcmd), its RSS, its Python workers. */
    private record Idle(long threads, long heapKib, long rssKib, int workers) {
        private static final Pattern USED = Pattern.compile("used (\\d+)K");

        /** Threads are counted before the GC: a GC sets Spark's ContextCleaner going, whose pools start threads. */
        static Idle measure(long pid) {
            long threads = ProcessInfo.threads(pid);
            String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
            Bench.command(jcmd, Long.toString(pid), "GC.run");
            Matcher used = USED.matcher(Bench.command(jcmd, Long.toString(pid), "GC.heap_info"));
            long heap = used.find() ? Long.parseLong(used.group(1)) : -1;
            return new Idle(threads, heap, ProcessInfo.Memory.of(pid).rssKib(),
                    ProcessInfo.childrenRunning(pid, "noctua_worker.py").size());
        }

        /** The classes that hold the most of the heap now (jcmd GC.class_histogram). */
        static String histogram(long pid, int top) {
            String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
            return String.join("\n", Bench.command(jcmd, Long.toString(pid), "GC.class_histogram").lines().limit(top + 3).toList());
        }

        @Override
        public String toString() {
            return threads + " threads, heap " + ProcessInfo.mib(heapKib) + " used after a full GC, RSS " + ProcessInfo.mib(rssKib)
                    + ", " + workers + " Python workers";
        }
    }
}
