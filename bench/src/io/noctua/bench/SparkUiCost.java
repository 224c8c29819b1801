package io.noctua.bench;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What Spark's web UI and the kept job histories (GetResourceDashboard, issue 15) cost a server: for each
 * variant, {@code ./noctua serve} on a fresh data directory, timed from its start until "Spark ... is
 * ready"; its heap after a full GC once ready; then {@code --calculations} calculations with a real Spark
 * job of two stages, one after another in one session; then its heap after a full GC again, its RSS and
 * threads, and the rows the histories left in the store. Variants, run in turn {@code --rounds} times (every other
 * round in reverse order):
 * {@code ui-off} ({@code --conf spark.ui.enabled=false}) and {@code ui-on} (the default) of this tree,
 * and, with {@code --before=DIR}, the build in DIR as it runs by default (a checkout from before the
 * UI and the histories, built with {@code mvn -DskipTests package}). Each checkout serves once first, unmeasured:
 * the first serve after a build records the launcher's class-data archive.
 */
final class SparkUiCost {
    private static final String NAME = "SparkUiCost";
    private static final String CELL = "%%sql\nSELECT id % 7 AS k, count(*) AS n FROM range(1000) GROUP BY id % 7 ORDER BY k";
    private static final Pattern USED = Pattern.compile("used (\\d+)K");

    private record Variant(String name, Path checkout, List<String> arguments) {
    }

    private record Run(long readyMillis, long heapReadyKib, long heapAfterKib, long rssAfterKib, long threadsAfter, double calculationP50,
                       double calculationsSeconds, long historyRows, long historyBytes, long jobsPageMillis) {
    }

    public static void main(String[] args) throws Exception {
        int rounds = Bench.intOption(args, "rounds", 3);
        int calculations = Bench.intOption(args, "calculations", 200);
        String before = Bench.option(args, "before", "");
        Bench.printMachine(NAME);
        List<Variant> variants = new ArrayList<>();
        if (!before.isEmpty()) {
            variants.add(new Variant("before", Path.of(before), List.of()));
        }
        variants.add(new Variant("ui-off", Path.of("."), List.of("--conf", "spark.ui.enabled=false")));
        variants.add(new Variant("ui-on", Path.of("."), List.of()));
        System.out.printf("method: per variant and round, ./noctua serve on a fresh data directory (python.executable=python3, s3.port=0), "
                + "timed from its start until 'is ready' (polled every 100 ms); heap used after a full GC (jcmd GC.run, GC.heap_info) once ready; "
                + "%d calculations '%s' back to back in one session, each timed from StartCalculationExecution until COMPLETED is read "
                + "(GetCalculationExecutionStatus every 5 ms); 2 s later heap after a full GC, RSS and threads; the store's "
                + "calculation_spark_jobs rows (SQLite, read beside the server); with the UI on, one GET of its /jobs/ page. "
                + "Variants %s, %d rounds, in turn (every other round in reverse order).%n%n", calculations, CELL.replace("\n", "\\n"), variants.stream().map(Variant::name).toList(),
                rounds);
        // the first serve after a build records the launcher's class-data archive, and runs slower: not measured
        for (Path checkout : variants.stream().map(Variant::checkout).distinct().toList()) {
            long begin = System.nanoTime();
            try (ExternalServer ignored = ExternalServer.start(checkout, "", List.of(), Map.of())) {
                System.out.printf("warm-up serve of %s (writes its class-data archive if it has none): ready in %d ms%n", checkout,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
            }
        }
        Map<String, List<Run>> runs = new LinkedHashMap<>();
        variants.forEach(variant -> runs.put(variant.name(), new ArrayList<>()));
        for (int round = 1; round <= rounds; round++) {
            // every other round in reverse order: what drifts over a round (the machine's other work, the JIT) falls on all alike
            List<Variant> order = new ArrayList<>(variants);
            if (round % 2 == 0) {
                java.util.Collections.reverse(order);
            }
            for (Variant variant : order) {
                Run run = once(variant, calculations);
                runs.get(variant.name()).add(run);
                System.out.printf("round %d %-7s ready %6d ms | heap ready %s, after %s | RSS %s, %d threads | calculation p50 %.1f ms, all %.1f s"
                                + " | history rows %d, %s | /jobs/ %s%n", round, variant.name(), run.readyMillis(), ProcessInfo.mib(run.heapReadyKib()),
                        ProcessInfo.mib(run.heapAfterKib()), ProcessInfo.mib(run.rssAfterKib()), run.threadsAfter(), run.calculationP50(),
                        run.calculationsSeconds(), run.historyRows(), ProcessInfo.mib(run.historyBytes() / 1024),
                        run.jobsPageMillis() < 0 ? "-" : run.jobsPageMillis() + " ms");
                System.out.println("  loadavg " + Bench.read("/proc/loadavg").strip());
            }
        }
        System.out.println();
        runs.forEach((variant, list) -> {
            Bench.result(NAME, variant + " ready ms (median)", Long.toString(median(list.stream().mapToLong(Run::readyMillis).toArray())));
            Bench.result(NAME, variant + " heap after GC, ready (median)", ProcessInfo.mib(median(list.stream().mapToLong(Run::heapReadyKib).toArray())));
            Bench.result(NAME, variant + " heap after GC, after " + calculations + " (median)",
                    ProcessInfo.mib(median(list.stream().mapToLong(Run::heapAfterKib).toArray())));
            Bench.result(NAME, variant + " RSS after (median)", ProcessInfo.mib(median(list.stream().mapToLong(Run::rssAfterKib).toArray())));
            Bench.result(NAME, variant + " threads after (median)", Long.toString(median(list.stream().mapToLong(Run::threadsAfter).toArray())));
            Bench.result(NAME, variant + " calculation p50 ms (median of rounds)",
                    String.format("%.1f", list.stream().mapToDouble(Run::calculationP50).sorted().toArray()[list.size() / 2]));
            Bench.result(NAME, variant + " history rows / bytes (last round)", list.get(list.size() - 1).historyRows() + " / "
                    + list.get(list.size() - 1).historyBytes());
        });
    }

    private static Run once(Variant variant, int calculations) throws Exception {
        long begin = System.nanoTime();
        try (ExternalServer server = ExternalServer.start(variant.checkout(), "", variant.arguments(), Map.of())) {
            long ready = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
            long pid = server.jvmPid();
            long heapReady = heapAfterGc(pid);
            double[] millis = new double[calculations];
            long started = System.nanoTime();
            String sessionId;
            try (Wire wire = new Wire(server.port)) {
                sessionId = wire.call("StartSession", "{\"WorkGroup\":\"spark\",\"EngineConfiguration\":{\"MaxConcurrentDpus\":2}}")
                        .path("SessionId").asText();
                while (!"IDLE".equals(wire.call("GetSessionStatus", "{\"SessionId\":\"" + sessionId + "\"}").path("Status").path("State").asText())) {
                    Bench.sleepMillis(5);
                }
                for (int i = 0; i < calculations; i++) {
                    long one = System.nanoTime();
                    String id = wire.call("StartCalculationExecution", "{\"SessionId\":\"" + sessionId + "\",\"CodeBlock\":" + Wire.quote(CELL) + "}")
                            .path("CalculationExecutionId").asText();
                    while (true) {
                        JsonNode status = wire.call("GetCalculationExecutionStatus", "{\"CalculationExecutionId\":\"" + id + "\"}");
                        String state = status.path("Status").path("State").asText();
                        if (state.equals("COMPLETED")) {
                            break;
                        }
                        if (state.equals("FAILED") || state.equals("CANCELED")) {
                            throw new IllegalStateException("calculation " + id + " ended " + state + ": " + status);
                        }
                        Bench.sleepMillis(5);
                    }
                    millis[i] = (System.nanoTime() - one) / 1e6;
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            Bench.sleepMillis(2_000);
            long heapAfter = heapAfterGc(pid);
            long rss = ProcessInfo.Memory.of(pid).rssKib();
            long threads = ProcessInfo.threads(pid);
            long[] history = historyRows(server.dataDir.resolve("noctua.db"));
            long jobsPage = variant.name().equals("ui-on") ? jobsPageMillis(server, sessionId) : -1;
            java.util.Arrays.sort(millis);
            return new Run(ready, heapReady, heapAfter, rss, threads, millis[millis.length / 2], seconds, history[0], history[1], jobsPage);
        }
    }

    private static long heapAfterGc(long pid) {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        Bench.command(jcmd, Long.toString(pid), "GC.run");
        Matcher used = USED.matcher(Bench.command(jcmd, Long.toString(pid), "GC.heap_info"));
        return used.find() ? Long.parseLong(used.group(1)) : -1;
    }

    /** Rows and bytes of JSON in calculation_spark_jobs; zeros where the table does not exist (the build from before). */
    private static long[] historyRows(Path database) {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:file:" + database + "?mode=ro");
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT count(*), coalesce(sum(length(jobs)), 0) FROM calculation_spark_jobs")) {
            rows.next();
            return new long[] {rows.getLong(1), rows.getLong(2)};
        }
        catch (SQLException e) {
            return new long[] {0, 0};
        }
    }

    /** One GET of Spark's jobs page (the session's dashboard while it runs), in ms; it must list the session's jobs. */
    private static long jobsPageMillis(ExternalServer server, String sessionId) throws Exception {
        String url;
        try (Wire wire = new Wire(server.port)) {
            url = wire.call("GetResourceDashboard", "{\"ResourceARN\":\"arn:aws:athena:us-east-1:000000000000:session/" + sessionId + "\"}")
                    .path("Url").asText();
        }
        HttpClient http = HttpClient.newHttpClient();
        long begin = System.nanoTime();
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
        if (page.statusCode() != 200 || !page.body().contains("of session " + sessionId)) {
            throw new IllegalStateException("Spark's jobs page at " + url + " answered " + page.statusCode() + " without the session's jobs");
        }
        return millis;
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
