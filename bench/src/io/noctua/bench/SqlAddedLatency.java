package io.noctua.bench;

import io.noctua.engine.EngineSession;
import org.apache.spark.sql.SparkSession;

import java.util.ArrayList;
import java.util.List;

/**
 * What the API adds to a tiny {@code %%sql} cell. In one JVM with one SparkEngine:
 * (a) the work itself, {@code spark.sql("SELECT 1").showString(20, 20, false)} on a SparkSession from
 * {@code engine.newSession}, which is what the server runs for the cell; (b) the same cell through
 * the API of a server on that engine: StartCalculationExecution, then GetCalculationExecutionStatus
 * with a 1 ms sleep between polls until COMPLETED, timed from sending the start call to seeing
 * COMPLETED. A third kind, (a2), splits the difference: the engine calls the server's calculation
 * thread makes for the cell ({@code EngineSession.beginCalculation}, {@code runSql},
 * {@code endCalculation}) without the server around them. The kinds are measured in alternating
 * blocks so that drift (JIT, GC, other processes) falls on all alike.
 *
 * <p>Options: {@code --n=200}, {@code --warmup=50}, {@code --block=25}, {@code --poll-sleep-ms=1}.
 */
public final class SqlAddedLatency {
    private static final String NAME = "SqlAddedLatency";
    private static final String CELL = "%%sql\nSELECT 1";

    private SqlAddedLatency() {
    }

    public static void main(String[] args) {
        int n = Bench.intOption(args, "n", 200);
        int warmup = Bench.intOption(args, "warmup", 50);
        int block = Bench.intOption(args, "block", 25);
        int pollSleep = Bench.intOption(args, "poll-sleep-ms", 1);
        Bench.printMachine(NAME);
        System.out.printf("method: n=%d of each after %d warm-up runs of each, in blocks of %d, order a a2 b b a2 a ...; "
                + "API client: one keep-alive loopback connection (plain socket), %d ms sleep between status polls%n%n",
                n, warmup, block, pollSleep);
        try (Bench.InProcess server = Bench.InProcess.start(); Wire wire = new Wire(server.port())) {
            SparkSession direct = server.newSession("bench-direct").spark();
            String sessionId = ApiRuns.startSession(wire);

            EngineSession runnerPath = server.newSession("bench-runner-path");

            long[] directNanos = new long[n];
            long[] runnerNanos = new long[n];
            long[] apiNanos = new long[n];
            ApiRuns.ApiRun[] apiRuns = new ApiRuns.ApiRun[n];
            for (int i = 0; i < warmup; i++) {
                runDirect(direct);
                runRunnerPath(runnerPath, "bench-warm-up-" + i);
                ApiRuns.run(wire, sessionId, CELL, pollSleep, id -> "");
            }
            CpuMeter cpu = CpuMeter.start(java.util.Map.of("this JVM (server+client)", ProcessHandle.current().pid()));
            // blocks of each kind in turn, the order reversed every cycle: a a2 b, b a2 a, a a2 b, ...
            List<Integer> kinds = new ArrayList<>(List.of(0, 1, 2));
            int done = 0;
            while (done < n) {
                int count = Math.min(block, n - done);
                for (int kind : kinds) {
                    for (int i = done; i < done + count; i++) {
                        switch (kind) {
                            case 0 -> directNanos[i] = runDirect(direct);
                            case 1 -> runnerNanos[i] = runRunnerPath(runnerPath, "bench-" + i);
                            default -> {
                                ApiRuns.ApiRun run = ApiRuns.run(wire, sessionId, CELL, pollSleep, id -> "");
                                apiRuns[i] = run;
                                apiNanos[i] = run.totalNanos();
                            }
                        }
                    }
                }
                java.util.Collections.reverse(kinds);
                done += count;
            }

            String cpuLine = cpu.stop();
            Stats a = Stats.ofNanos(directNanos);
            Stats a2 = Stats.ofNanos(runnerNanos);
            Stats b = Stats.ofNanos(apiNanos);
            ApiRuns.Summary parts = ApiRuns.Summary.of(apiRuns);
            Stats startCall = parts.startCall();
            Stats poll = parts.poll();
            Stats polls = parts.polls();
            Stats serverSide = parts.serverSide();

            System.out.println("(a) direct   spark.sql(\"SELECT 1\").showString(20, 20, false): " + a.describe());
            System.out.println("(a2) the runner's engine calls, no server: begin/runSql/end:  " + a2.describe());
            System.out.println("(b) API      StartCalculationExecution .. COMPLETED seen:    " + b.describe());
            System.out.println("    of (b):  StartCalculationExecution call:                 " + startCall.describe());
            System.out.println("    of (b):  each GetCalculationExecutionStatus call:        " + poll.describe());
            System.out.println("    of (b):  status calls per calculation:                   " + polls.describe().replace(" (ms)", ""));
            System.out.println("    of (b):  server's SubmissionDateTime..CompletionDateTime: " + serverSide.describe()
                    + "  [millisecond timestamps]");
            System.out.println("during the measured runs, " + cpuLine);
            System.out.println();
            double added = b.median() - a.median();
            Bench.result(NAME, "(a) direct median ms", Stats.ms(a.median()) + "  p90 " + Stats.ms(a.percentile(90)));
            Bench.result(NAME, "(a2) EngineSession.runSql path median ms", Stats.ms(a2.median()) + "  p90 " + Stats.ms(a2.percentile(90)));
            Bench.result(NAME, "(b) API median ms", Stats.ms(b.median()) + "  p90 " + Stats.ms(b.percentile(90)));
            Bench.result(NAME, "added latency (b - a) at the median ms", String.format("%s (target <= 10 ms: %s)", Stats.ms(added),
                    added <= 10 ? "met" : "NOT met"));
            Bench.result(NAME, "server-side submission..completion p50 ms", Stats.ms(serverSide.median()));
            Bench.result(NAME, "status call p50 / p99 ms", Stats.ms(poll.median()) + " / " + Stats.ms(poll.percentile(99)));
        }
        System.exit(0);
    }

    /** The same work the server does for a one-statement {@code %%sql} cell that returns columns. */
    private static long runDirect(SparkSession spark) {
        long begin = System.nanoTime();
        String shown = spark.sql("SELECT 1").showString(20, 20, false);
        long end = System.nanoTime();
        if (!shown.contains("1")) {
            throw new IllegalStateException("unexpected result: " + shown);
        }
        return end - begin;
    }

    /**
     * What the server's calculation thread does with Spark for the cell, without the server around it:
     * {@code EngineSession.beginCalculation} (job group, active session), {@code runSql} (statement
     * split, {@code spark.sql}, schema, {@code showString}), {@code endCalculation}.
     */
    private static long runRunnerPath(EngineSession session, String calculationId) {
        long begin = System.nanoTime();
        session.beginCalculation(calculationId);
        String shown;
        try {
            shown = session.runSql("SELECT 1").shown();
        }
        finally {
            session.endCalculation(calculationId);
        }
        long end = System.nanoTime();
        if (!shown.contains("1")) {
            throw new IllegalStateException("unexpected result: " + shown);
        }
        return end - begin;
    }
}
