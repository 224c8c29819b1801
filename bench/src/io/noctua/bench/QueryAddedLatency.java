package io.noctua.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.noctua.engine.QueryEngine;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the SQL query API adds to {@code SELECT 1}. In one JVM with one SparkEngine: (a) the query
 * directly, {@code spark.sql("SELECT 1").collectAsList()} on a SparkSession from
 * {@code engine.newSession}; (b) the same query through the API of a server on that engine:
 * StartQueryExecution (WorkGroup primary), then GetQueryExecution with a 1 ms sleep between polls
 * until SUCCEEDED, then one GetQueryResults, timed from sending the start call to reading the
 * results. A third kind, (a2), splits the difference: the server's own engine call for the query,
 * {@code QueryEngine.run} of {@code engine.queryEngine()} (a new SparkSession, the job group, the
 * current database, the rows fetched, Athena's text of every value), without the server's store,
 * runner, result file or HTTP around it. The kinds are measured in alternating blocks so that drift
 * (JIT, GC, other processes) falls on all alike. Afterwards, for reference, Spark calls that (a2)
 * makes or made, timed alone on a SparkSession of the same engine.
 *
 * <p>Options: {@code --n=200}, {@code --warmup=300}, {@code --block=25}, {@code --poll-sleep-ms=1},
 * {@code --parts-n=200}.
 */
public final class QueryAddedLatency {
    private static final String NAME = "QueryAddedLatency";
    private static final String QUERY = "SELECT 1";
    private static final long TIMEOUT_NANOS = 120_000_000_000L;

    private QueryAddedLatency() {
    }

    /** One query through the API, timed from sending StartQueryExecution to reading GetQueryResults' answer. */
    record ApiRun(long totalNanos, long startCallNanos, long succeededSeenNanos, long resultsCallNanos, long[] pollNanos,
                  double serverMillis, double engineMillis, double queueMillis) {
    }

    public static void main(String[] args) {
        int n = Bench.intOption(args, "n", 200);
        int warmup = Bench.intOption(args, "warmup", 300);
        int block = Bench.intOption(args, "block", 25);
        int pollSleep = Bench.intOption(args, "poll-sleep-ms", 1);
        int partsN = Bench.intOption(args, "parts-n", 200);
        Bench.printMachine(NAME);
        System.out.printf("method: n=%d of each after %d warm-up runs of each, in blocks of %d, order a a2 b b a2 a ...; "
                + "API client: one keep-alive loopback connection (plain socket), %d ms sleep between GetQueryExecution polls, "
                + "one GetQueryResults (MaxResults 1000) after SUCCEEDED; query: %s, WorkGroup primary%n%n",
                n, warmup, block, pollSleep, QUERY);
        long pid = ProcessHandle.current().pid();
        try (Bench.InProcess server = Bench.InProcess.start(); Wire wire = new Wire(server.port())) {
            SparkSession direct = server.newSession("bench-direct").spark();
            QueryEngine engine = server.engine.queryEngine();

            long[] directNanos = new long[n];
            long[] enginePathNanos = new long[n];
            long[] apiNanos = new long[n];
            ApiRun[] apiRuns = new ApiRun[n];
            for (int i = 0; i < warmup; i++) {
                runDirect(direct);
                runEnginePath(engine, "bench-warm-up-" + i);
                runApi(wire, pollSleep);
            }
            String[] kindNames = {"(a)", "(a2)", "(b)"};
            List<Map<String, Long>> threadTicks = List.of(new TreeMap<>(), new TreeMap<>(), new TreeMap<>());
            CpuMeter cpu = CpuMeter.start(Map.of("this JVM (server+client)", pid));
            // blocks of each kind in turn, the order reversed every cycle: a a2 b, b a2 a, a a2 b, ...
            List<Integer> kinds = new ArrayList<>(List.of(0, 1, 2));
            int done = 0;
            while (done < n) {
                int count = Math.min(block, n - done);
                for (int kind : kinds) {
                    Map<String, Long> before = ProcessInfo.threadTicks(pid);
                    for (int i = done; i < done + count; i++) {
                        switch (kind) {
                            case 0 -> directNanos[i] = runDirect(direct);
                            case 1 -> enginePathNanos[i] = runEnginePath(engine, "bench-" + i);
                            default -> {
                                apiRuns[i] = runApi(wire, pollSleep);
                                apiNanos[i] = apiRuns[i].totalNanos();
                            }
                        }
                    }
                    Map<String, Long> sum = threadTicks.get(kind);
                    ProcessInfo.threadTicks(pid).forEach((thread, ticks) -> sum.merge(thread, ticks - before.getOrDefault(thread, 0L), Long::sum));
                }
                Collections.reverse(kinds);
                done += count;
            }
            String cpuLine = cpu.stop();

            Stats a = Stats.ofNanos(directNanos);
            Stats a2 = Stats.ofNanos(enginePathNanos);
            Stats b = Stats.ofNanos(apiNanos);
            List<Long> polls = new ArrayList<>();
            for (ApiRun run : apiRuns) {
                for (long poll : run.pollNanos()) {
                    polls.add(poll);
                }
            }
            Stats startCall = Stats.ofNanos(java.util.Arrays.stream(apiRuns).mapToLong(ApiRun::startCallNanos).toArray());
            Stats succeededSeen = Stats.ofNanos(java.util.Arrays.stream(apiRuns).mapToLong(ApiRun::succeededSeenNanos).toArray());
            Stats resultsCall = Stats.ofNanos(java.util.Arrays.stream(apiRuns).mapToLong(ApiRun::resultsCallNanos).toArray());
            Stats poll = Stats.ofNanos(polls.stream().mapToLong(Long::longValue).toArray());
            Stats pollCount = Stats.ofMillis(java.util.Arrays.stream(apiRuns).mapToDouble(r -> r.pollNanos().length).toArray());
            Stats serverSide = Stats.ofMillis(java.util.Arrays.stream(apiRuns).mapToDouble(ApiRun::serverMillis).toArray());
            Stats engineTime = Stats.ofMillis(java.util.Arrays.stream(apiRuns).mapToDouble(ApiRun::engineMillis).toArray());
            Stats queueTime = Stats.ofMillis(java.util.Arrays.stream(apiRuns).mapToDouble(ApiRun::queueMillis).toArray());

            System.out.println("(a) direct   spark.sql(\"SELECT 1\").collectAsList():              " + a.describe());
            System.out.println("(a2) the server's engine call, QueryEngine.run, no server:     " + a2.describe());
            System.out.println("(b) API      StartQueryExecution .. GetQueryResults answered: " + b.describe());
            System.out.println("    of (b):  StartQueryExecution call:                      " + startCall.describe());
            System.out.println("    of (b):  start sent .. SUCCEEDED seen:                  " + succeededSeen.describe());
            System.out.println("    of (b):  each GetQueryExecution call:                   " + poll.describe());
            System.out.println("    of (b):  GetQueryExecution calls per query:             " + pollCount.describe().replace(" (ms)", ""));
            System.out.println("    of (b):  GetQueryResults call:                          " + resultsCall.describe());
            System.out.println("    of (b):  server's SubmissionDateTime..CompletionDateTime: " + serverSide.describe()
                    + "  [millisecond timestamps]");
            System.out.println("    of (b):  server's EngineExecutionTimeInMillis:          " + engineTime.describe());
            System.out.println("    of (b):  server's QueryQueueTimeInMillis:               " + queueTime.describe());
            System.out.println("this JVM's CPU per query, by thread (server, Spark and client share the JVM; 10 ms ticks summed over n):");
            for (int kind = 0; kind < 3; kind++) {
                System.out.println("    " + kindNames[kind] + " " + ProcessInfo.topThreads(Map.of(), threadTicks.get(kind), n, 6));
            }
            System.out.println("during the measured runs, " + cpuLine);
            System.out.println();

            printParts(direct, partsN, warmup);

            double added = b.median() - a.median();
            Bench.result(NAME, "(a) direct median ms", Stats.ms(a.median()) + "  p90 " + Stats.ms(a.percentile(90))
                    + "  p99 " + Stats.ms(a.percentile(99)));
            Bench.result(NAME, "(a2) QueryEngine.run path median ms", Stats.ms(a2.median()) + "  p90 " + Stats.ms(a2.percentile(90))
                    + "  p99 " + Stats.ms(a2.percentile(99)));
            Bench.result(NAME, "(b) API median ms", Stats.ms(b.median()) + "  p90 " + Stats.ms(b.percentile(90))
                    + "  p99 " + Stats.ms(b.percentile(99)));
            Bench.result(NAME, "added latency (b - a) at the median ms", String.format("%s (target <= 15 ms: %s)", Stats.ms(added),
                    added <= 15 ? "met" : "NOT met"));
            Bench.result(NAME, "of it: engine path (a2 - a) median ms", Stats.ms(a2.median() - a.median()));
            Bench.result(NAME, "start .. SUCCEEDED seen p50 ms", Stats.ms(succeededSeen.median()));
            Bench.result(NAME, "GetQueryResults call p50 ms", Stats.ms(resultsCall.median()));
            Bench.result(NAME, "GetQueryExecution call p50 / p99 ms", Stats.ms(poll.median()) + " / " + Stats.ms(poll.percentile(99)));
            Bench.result(NAME, "server-side submission..completion p50 ms", Stats.ms(serverSide.median()));
        }
        System.exit(0);
    }

    /** The query run directly, its rows fetched to the driver as a program would. */
    private static long runDirect(SparkSession spark) {
        long begin = System.nanoTime();
        List<Row> rows = spark.sql(QUERY).collectAsList();
        long end = System.nanoTime();
        if (rows.size() != 1 || rows.get(0).getInt(0) != 1) {
            throw new IllegalStateException("unexpected result: " + rows);
        }
        return end - begin;
    }

    /** The engine call the server's query thread makes, with the rows handed to a list instead of a result file. */
    private static long runEnginePath(QueryEngine engine, String queryExecutionId) {
        List<String[]> rows = new ArrayList<>();
        QueryEngine.RowSink sink = new QueryEngine.RowSink() {
            @Override
            public void columns(List<QueryEngine.ResultColumn> columns) {
            }

            @Override
            public void row(String[] values) {
                rows.add(values);
            }
        };
        long begin = System.nanoTime();
        engine.run(queryExecutionId, QUERY, new QueryEngine.Context(null, "default", io.noctua.engine.hive.RemoteCatalogs.NONE), sink,
                () -> false);
        long end = System.nanoTime();
        if (rows.size() != 1 || !"1".equals(rows.get(0)[0])) {
            throw new IllegalStateException("unexpected result: " + rows);
        }
        return end - begin;
    }

    /** StartQueryExecution, GetQueryExecution polls until SUCCEEDED, one GetQueryResults. */
    static ApiRun runApi(Wire wire, int pollSleepMillis) {
        String start = "{\"QueryString\":" + Wire.quote(QUERY) + ",\"WorkGroup\":\"primary\"}";
        long begin = System.nanoTime();
        String id = wire.call("StartQueryExecution", start).get("QueryExecutionId").asText();
        long startAnswered = System.nanoTime();
        String request = "{\"QueryExecutionId\":" + Wire.quote(id) + "}";
        List<Long> polls = new ArrayList<>();
        JsonNode execution;
        long seen;
        while (true) {
            long pollBegin = System.nanoTime();
            execution = wire.call("GetQueryExecution", request).get("QueryExecution");
            seen = System.nanoTime();
            polls.add(seen - pollBegin);
            String state = execution.get("Status").get("State").asText();
            if (state.equals("SUCCEEDED")) {
                break;
            }
            if (state.equals("FAILED") || state.equals("CANCELLED")) {
                throw new IllegalStateException("query " + id + " ended " + state + ": " + execution.get("Status"));
            }
            if (seen - begin > TIMEOUT_NANOS) {
                throw new IllegalStateException("query " + id + " not SUCCEEDED after 120 s: " + execution.get("Status"));
            }
            Bench.sleepMillis(pollSleepMillis);
        }
        JsonNode results = wire.call("GetQueryResults", "{\"QueryExecutionId\":" + Wire.quote(id) + ",\"MaxResults\":1000}");
        long end = System.nanoTime();
        JsonNode rows = results.get("ResultSet").get("Rows");
        if (rows.size() != 2 || !rows.get(1).get("Data").get(0).get("VarCharValue").asText().equals("1")) {
            throw new IllegalStateException("unexpected result of query " + id + ": " + results);
        }
        JsonNode status = execution.get("Status");
        JsonNode statistics = execution.get("Statistics");
        return new ApiRun(end - begin, startAnswered - begin, seen - begin, end - seen, polls.stream().mapToLong(Long::longValue).toArray(),
                Bench.apiMillisBetween(status.get("SubmissionDateTime").asText(), status.get("CompletionDateTime").asText()),
                statistics.get("EngineExecutionTimeInMillis").asDouble(), statistics.get("QueryQueueTimeInMillis").asDouble());
    }

    /**
     * For reference, Spark calls that (a2) makes or made (commit 78d30c5 made all of them), each alone
     * on a SparkSession of the same engine: a new session, the current-database check and switch, and
     * fetching the rows with {@code toLocalIterator} (a Spark job per partition) against
     * {@code collectAsList} (which answers a local relation such as {@code SELECT 1} without a job),
     * the two in turns.
     */
    private static void printParts(SparkSession spark, int n, int warmup) {
        long[] newSession = new long[n];
        long[] databaseExists = new long[n];
        long[] setDatabase = new long[n];
        long[] collect = new long[n];
        long[] localIterator = new long[n];
        for (int i = -Math.min(warmup, n); i < n; i++) {
            long t0 = System.nanoTime();
            SparkSession fresh = spark.newSession();
            long t1 = System.nanoTime();
            boolean exists = fresh.catalog().databaseExists("default");
            long t2 = System.nanoTime();
            fresh.catalog().setCurrentDatabase("default");
            long t3 = System.nanoTime();
            long collectNanos = 0;
            long iteratorNanos = 0;
            for (int turn = 0; turn < 2; turn++) {
                if ((turn + i) % 2 == 0) {
                    long begin = System.nanoTime();
                    int count = fresh.sql(QUERY).collectAsList().size();
                    collectNanos = System.nanoTime() - begin;
                    if (count != 1) {
                        throw new IllegalStateException("unexpected: " + count + " rows");
                    }
                }
                else {
                    long begin = System.nanoTime();
                    Iterator<Row> rows = fresh.sql(QUERY).toLocalIterator();
                    int count = 0;
                    while (rows.hasNext()) {
                        rows.next();
                        count++;
                    }
                    iteratorNanos = System.nanoTime() - begin;
                    if (count != 1) {
                        throw new IllegalStateException("unexpected: " + count + " rows");
                    }
                }
            }
            if (!exists) {
                throw new IllegalStateException("database default does not exist");
            }
            if (i >= 0) {
                newSession[i] = t1 - t0;
                databaseExists[i] = t2 - t1;
                setDatabase[i] = t3 - t2;
                collect[i] = collectNanos;
                localIterator[i] = iteratorNanos;
            }
        }
        System.out.println("for reference, Spark calls (a2) makes or made, alone, one after the other on the same engine (n=" + n + " each):");
        System.out.println("    spark.newSession():                                 " + Stats.ofNanos(newSession).describe());
        System.out.println("    catalog().databaseExists(\"default\"):               " + Stats.ofNanos(databaseExists).describe());
        System.out.println("    catalog().setCurrentDatabase(\"default\"):           " + Stats.ofNanos(setDatabase).describe());
        System.out.println("    sql(\"SELECT 1\").collectAsList():                   " + Stats.ofNanos(collect).describe());
        System.out.println("    sql(\"SELECT 1\").toLocalIterator(), drained:         " + Stats.ofNanos(localIterator).describe());
        System.out.println();
    }
}
