package io.noctua.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A large result through the SQL query API: a query returning {@code --rows} rows (1,000,000) runs
 * through StartQueryExecution on {@code ./noctua serve}, then its whole result is paged through with
 * GetQueryResults, {@code --page-size} (1000) rows a call, the NextToken of each page fed to the next.
 * Reported: the query's time to SUCCEEDED, the paging's rows and pages per second and the latency of
 * each page, and the server JVM's memory throughout (VmRSS from /proc every {@code --sample-ms}, heap
 * used, committed and old generation from {@code jstat -gc} at the same interval), to show whether the result is
 * streamed (written and read back a page at a time) or held in memory. The query runs
 * {@code --query-runs} times (the first ones warm the server up); the last run's result is paged through
 * {@code --paging-runs} times.
 *
 * <p>Options: {@code --rows=1000000}, {@code --page-size=1000}, {@code --query-runs=3},
 * {@code --paging-runs=2}, {@code --poll-sleep-ms=10}, {@code --sample-ms=100},
 * {@code --server-java-opts=...} (NOCTUA_JAVA_OPTS of the server process).
 */
public final class QueryResultPaging {
    private static final String NAME = "QueryResultPaging";
    private static final ObjectMapper JSON = new ObjectMapper();

    private QueryResultPaging() {
    }

    /** One query through the API until SUCCEEDED was seen. */
    record QueryRun(String id, long untilSucceededNanos, int polls, long engineMillis, long queueMillis, long totalMillis,
                    String outputLocation, long outputRows) {
    }

    /** One pass over the whole result. */
    record Paging(int pages, long rows, long bytes, long wallNanos, long[] pageNanos) {
    }

    public static void main(String[] args) {
        long rows = Long.parseLong(Bench.option(args, "rows", "1000000"));
        int pageSize = Bench.intOption(args, "page-size", 1000);
        int queryRuns = Bench.intOption(args, "query-runs", 3);
        int pagingRuns = Bench.intOption(args, "paging-runs", 2);
        int pollSleep = Bench.intOption(args, "poll-sleep-ms", 10);
        int sampleMillis = Bench.intOption(args, "sample-ms", 100);
        String serverJavaOpts = Bench.option(args, "server-java-opts", "");
        String query = "SELECT id, concat('row-', id) AS s, id * 0.5 AS d FROM range(" + rows + ")";
        Bench.printMachine(NAME);
        System.out.printf("method: query \"%s\" (WorkGroup primary) run %d time(s), GetQueryExecution every %d ms until SUCCEEDED; "
                + "the last run's result paged through %d time(s) with GetQueryResults MaxResults=%d on one keep-alive loopback "
                + "connection (plain socket), each page's NextToken fed to the next call; server memory sampled every %d ms "
                + "(VmRSS from /proc/PID/status, heap from jstat -gc)%n%n", query, queryRuns, pollSleep, pagingRuns, pageSize, sampleMillis);
        try (ExternalServer server = ExternalServer.start(serverJavaOpts); Wire wire = new Wire(server.port)) {
            long jvm = server.jvmPid();
            String cmdline = ProcessInfo.commandLine(jvm);
            System.out.printf("server JVM: pid %d%s; %s%n", jvm, jvm == server.pid() ? "" : " (child of ./noctua, pid " + server.pid() + ")",
                    cmdline.contains("SharedArchiveFile") ? "started from the class-data archive"
                            : cmdline.contains("ArchiveClassesAtExit") ? "recording the class-data archive (the first serve after a build)"
                            : "no class-data archive");
            Map<String, Long> pids = new LinkedHashMap<>();
            pids.put("server JVM", jvm);
            pids.put("this JVM (client)", ProcessHandle.current().pid());
            try (MemorySampler memory = MemorySampler.start(jvm, sampleMillis)) {
                pids.put("jstat", memory.jstatPid());
                Map<String, LongSupplier> groups = Map.of("server's children (s3proxy)", () -> CpuMeter.childTicks(jvm));
                Bench.sleepMillis(3 * sampleMillis);
                System.out.println("server at rest, before the first query: " + memory.now());
                System.out.println();

                QueryRun last = null;
                for (int run = 1; run <= queryRuns; run++) {
                    Map<String, Long> threadsBefore = ProcessInfo.threadTicks(jvm);
                    CpuMeter cpu = CpuMeter.start(pids, groups);
                    long from = System.nanoTime();
                    last = runQuery(wire, query, pollSleep);
                    long to = System.nanoTime();
                    String cpuLine = cpu.stop();
                    if (last.outputRows() != rows) {
                        throw new IllegalStateException("the query reports " + last.outputRows() + " output rows, not " + rows);
                    }
                    System.out.printf("query run %d: start sent .. SUCCEEDED seen %.0f ms (%d GetQueryExecution calls); server's "
                                    + "EngineExecutionTimeInMillis %d, QueryQueueTimeInMillis %d, TotalExecutionTimeInMillis %d%n", run,
                            last.untilSucceededNanos() / 1e6, last.polls(), last.engineMillis(), last.queueMillis(), last.totalMillis());
                    System.out.println("  server memory during the query: " + memory.window(from, to));
                    System.out.println("  server JVM CPU by thread: " + ProcessInfo.topThreads(threadsBefore, ProcessInfo.threadTicks(jvm), 1, 6)
                            .replace(" ms", " ms CPU"));
                    System.out.println("  " + cpuLine);
                }
                Path csv = resultFile(server.dataDir, last.outputLocation());
                long csvBytes = Files.exists(csv) ? Files.size(csv) : -1;
                System.out.printf("result object: %s, %s bytes (%.1f MiB)%n%n", last.outputLocation(), csvBytes < 0 ? "n/a (not found under "
                        + csv + ")" : String.format("%,d", csvBytes), csvBytes / 1024.0 / 1024.0);

                Bench.sleepMillis(3 * sampleMillis);
                String beforePaging = memory.now();
                System.out.println("server before paging: " + beforePaging);
                Paging paging = null;
                String pagingMemory = null;
                String pagingCpu = null;
                for (int run = 1; run <= pagingRuns; run++) {
                    Map<String, Long> threadsBefore = ProcessInfo.threadTicks(jvm);
                    CpuMeter cpu = CpuMeter.start(pids, groups);
                    long from = System.nanoTime();
                    paging = page(wire, server.port, last.id(), pageSize, rows);
                    long to = System.nanoTime();
                    pagingCpu = cpu.stop();
                    pagingMemory = memory.window(from, to);
                    Stats perPage = Stats.ofNanos(paging.pageNanos());
                    double seconds = paging.wallNanos() / 1e9;
                    System.out.printf("paging run %d: %d pages, %,d rows (header included), %.1f MiB of responses in %.2f s: %,.0f rows/s, "
                                    + "%.0f pages/s, %.1f MiB/s%n", run, paging.pages(), paging.rows(), paging.bytes() / 1024.0 / 1024.0,
                            seconds, paging.rows() / seconds, paging.pages() / seconds, paging.bytes() / 1024.0 / 1024.0 / seconds);
                    System.out.println("  each GetQueryResults call (request sent .. response read): " + perPage.describe());
                    int tenth = Math.max(1, paging.pages() / 10);
                    System.out.printf("  the first %d pages p50 %s ms, the last %d pages p50 %s ms (a page is read from its byte offset, "
                                    + "so a late page should cost what an early one does)%n", tenth,
                            Stats.ms(Stats.ofNanos(Arrays.copyOfRange(paging.pageNanos(), 0, tenth)).median()), tenth,
                            Stats.ms(Stats.ofNanos(Arrays.copyOfRange(paging.pageNanos(), paging.pages() - tenth, paging.pages())).median()));
                    System.out.println("  server memory while paging: " + pagingMemory);
                    System.out.println("  server JVM CPU per page, by thread: " + ProcessInfo.topThreads(threadsBefore, ProcessInfo.threadTicks(jvm),
                            paging.pages(), 5).replace(" ms", " ms CPU"));
                    System.out.println("  " + pagingCpu);
                }
                System.out.println();

                Stats perPage = Stats.ofNanos(paging.pageNanos());
                double seconds = paging.wallNanos() / 1e9;
                Bench.result(NAME, "query start .. SUCCEEDED ms (last run)", String.format("%.0f  (engine %d ms; %,d rows)",
                        last.untilSucceededNanos() / 1e6, last.engineMillis(), rows));
                Bench.result(NAME, "result CSV object bytes", csvBytes < 0 ? "n/a" : String.format("%,d (%.1f MiB)", csvBytes,
                        csvBytes / 1024.0 / 1024.0));
                Bench.result(NAME, "paging rows/s (last run)", String.format("%,.0f  (%d pages in %.2f s)", paging.rows() / seconds,
                        paging.pages(), seconds));
                Bench.result(NAME, "paging pages/s (last run)", String.format("%.0f", paging.pages() / seconds));
                Bench.result(NAME, "page p50 / p99 ms (last run)", Stats.ms(perPage.median()) + " / " + Stats.ms(perPage.percentile(99)));
                Bench.result(NAME, "server memory before paging", beforePaging);
                Bench.result(NAME, "server memory while paging (last run)", pagingMemory);
                Bench.result(NAME, "cpu while paging (last run)", pagingCpu.replace("cpu: ", ""));
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.exit(0);
    }

    private static QueryRun runQuery(Wire wire, String query, int pollSleepMillis) {
        String start = "{\"QueryString\":" + Wire.quote(query) + ",\"WorkGroup\":\"primary\"}";
        long begin = System.nanoTime();
        String id = wire.call("StartQueryExecution", start).get("QueryExecutionId").asText();
        String request = "{\"QueryExecutionId\":" + Wire.quote(id) + "}";
        int polls = 0;
        while (true) {
            JsonNode execution = wire.call("GetQueryExecution", request).get("QueryExecution");
            long seen = System.nanoTime();
            polls++;
            String state = execution.get("Status").get("State").asText();
            if (state.equals("SUCCEEDED")) {
                JsonNode statistics = execution.get("Statistics");
                long outputRows = wire.call("GetQueryRuntimeStatistics", request).path("QueryRuntimeStatistics").path("Rows")
                        .path("OutputRows").asLong(-1);
                return new QueryRun(id, seen - begin, polls, statistics.get("EngineExecutionTimeInMillis").asLong(),
                        statistics.get("QueryQueueTimeInMillis").asLong(), statistics.get("TotalExecutionTimeInMillis").asLong(),
                        execution.get("ResultConfiguration").get("OutputLocation").asText(), outputRows);
            }
            if (state.equals("FAILED") || state.equals("CANCELLED") || seen - begin > 600_000_000_000L) {
                throw new IllegalStateException("query " + id + " did not succeed: " + execution.get("Status"));
            }
            Bench.sleepMillis(pollSleepMillis);
        }
    }

    /**
     * Pages through the whole result; checks the header, that the ids run 0, 1, 2, ... without a gap,
     * and that {@code s} matches its id. The latency of a page is the call alone (sending the request
     * to reading the last byte of the response); the wall time includes the client's JSON parsing.
     */
    private static Paging page(Wire wire, int port, String id, int pageSize, long expectedRows) {
        List<Long> pageNanos = new ArrayList<>();
        long rows = 0;
        long bytes = 0;
        long nextId = 0;
        String token = null;
        long begin = System.nanoTime();
        do {
            String request = "{\"QueryExecutionId\":" + Wire.quote(id) + ",\"MaxResults\":" + pageSize
                    + (token == null ? "" : ",\"NextToken\":" + Wire.quote(token)) + "}";
            byte[] call = Wire.request(port, "GetQueryResults", request);
            long callBegin = System.nanoTime();
            Wire.Response response = wire.send(call);
            pageNanos.add(System.nanoTime() - callBegin);
            if (response.status() != 200) {
                throw new IllegalStateException("GetQueryResults answered HTTP " + response.status() + ": " + response.text());
            }
            bytes += response.body().length;
            JsonNode page;
            try {
                page = JSON.readTree(response.body());
            }
            catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            JsonNode pageRows = page.get("ResultSet").get("Rows");
            for (int i = 0; i < pageRows.size(); i++) {
                JsonNode data = pageRows.get(i).get("Data");
                if (rows == 0 && i == 0) {
                    String header = data.get(0).get("VarCharValue").asText() + "," + data.get(1).get("VarCharValue").asText() + ","
                            + data.get(2).get("VarCharValue").asText();
                    if (!header.equals("id,s,d")) {
                        throw new IllegalStateException("unexpected header row: " + data);
                    }
                    continue;
                }
                String idText = data.get(0).get("VarCharValue").asText();
                if (!idText.equals(Long.toString(nextId)) || !data.get(1).get("VarCharValue").asText().equals("row-" + nextId)) {
                    throw new IllegalStateException("row " + nextId + " of the result is " + data);
                }
                nextId++;
            }
            rows += pageRows.size();
            JsonNode next = page.get("NextToken");
            token = next == null || next.isNull() ? null : next.asText();
        } while (token != null);
        long wall = System.nanoTime() - begin;
        if (nextId != expectedRows) {
            throw new IllegalStateException("paging returned " + nextId + " data rows, not " + expectedRows);
        }
        return new Paging(pageNanos.size(), rows, bytes, wall, pageNanos.stream().mapToLong(Long::longValue).toArray());
    }

    /** The embedded store's file of an {@code s3://bucket/key} object: {@code <data-dir>/s3/bucket/key}. */
    private static Path resultFile(Path dataDir, String outputLocation) {
        return dataDir.resolve("s3").resolve(outputLocation.substring("s3://".length()));
    }

    /**
     * The server JVM's memory over time: VmRSS read every {@code sampleMillis} by a thread of this JVM,
     * and the heap from one {@code jstat -gc PID sampleMillis} process (the JVM's own counters, read
     * from its performance-data file; no safepoint, no GC caused).
     */
    static final class MemorySampler implements AutoCloseable {
        private record Rss(long nanos, long kib) {
        }

        private record Heap(long nanos, double usedKib, double committedKib, double oldKib, long youngGcs, long fullGcs) {
        }

        private final long pid;
        private final List<Rss> rss = new ArrayList<>();
        private final List<Heap> heap = new ArrayList<>();
        private final Thread rssThread;
        private final Process jstat;
        private volatile boolean running = true;
        private volatile String jstatProblem;

        private MemorySampler(long pid, int sampleMillis) {
            this.pid = pid;
            this.rssThread = new Thread(() -> {
                while (running) {
                    long kib = ProcessInfo.kib(pid, "status", "VmRSS");
                    synchronized (rss) {
                        rss.add(new Rss(System.nanoTime(), kib));
                    }
                    try {
                        Thread.sleep(sampleMillis);
                    }
                    catch (InterruptedException e) {
                        return;
                    }
                }
            }, "rss-sampler");
            rssThread.setDaemon(true);
            String jstatPath = Path.of(System.getProperty("java.home"), "bin", "jstat").toString();
            try {
                this.jstat = new ProcessBuilder(jstatPath, "-gc", Long.toString(pid), Integer.toString(sampleMillis))
                        .redirectErrorStream(true).start();
            }
            catch (IOException e) {
                throw new UncheckedIOException("cannot run " + jstatPath, e);
            }
            Thread reader = new Thread(this::readJstat, "jstat-reader");
            reader.setDaemon(true);
            reader.start();
            rssThread.start();
        }

        /** Starts sampling and waits (up to 10 s) for jstat's first sample: jstat is a JVM of its own and takes a moment to start. */
        static MemorySampler start(long pid, int sampleMillis) {
            MemorySampler sampler = new MemorySampler(pid, sampleMillis);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (sampler.jstatProblem == null && System.nanoTime() < deadline) {
                synchronized (sampler.heap) {
                    if (!sampler.heap.isEmpty()) {
                        break;
                    }
                }
                Bench.sleepMillis(sampleMillis);
            }
            return sampler;
        }

        long jstatPid() {
            return jstat.pid();
        }

        /**
         * jstat -gc prints a header, then one line per interval: S0U S1U EU OU (KiB) make up the heap in use,
         * S0C S1C EC OC the heap committed (what RSS follows).
         */
        private void readJstat() {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(jstat.getInputStream(), StandardCharsets.UTF_8))) {
                String headerLine = lines.readLine();
                if (headerLine == null || !headerLine.contains("OU")) {
                    jstatProblem = "jstat: " + headerLine;
                    return;
                }
                List<String> header = Arrays.asList(headerLine.trim().split("\\s+"));
                int s0 = header.indexOf("S0U");
                int s1 = header.indexOf("S1U");
                int eden = header.indexOf("EU");
                int old = header.indexOf("OU");
                List<Integer> capacities = List.of(header.indexOf("S0C"), header.indexOf("S1C"), header.indexOf("EC"), header.indexOf("OC"));
                int ygc = header.indexOf("YGC");
                int fgc = header.indexOf("FGC");
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length != header.size() || f[0].equals("S0C")) {
                        continue;
                    }
                    double oldKib = Double.parseDouble(f[old]);
                    double used = Double.parseDouble(f[s0]) + Double.parseDouble(f[s1]) + Double.parseDouble(f[eden]) + oldKib;
                    double committed = 0;
                    for (int capacity : capacities) {
                        committed += Double.parseDouble(f[capacity]);
                    }
                    synchronized (heap) {
                        heap.add(new Heap(System.nanoTime(), used, committed, oldKib, Long.parseLong(f[ygc]), Long.parseLong(f[fgc])));
                    }
                }
            }
            catch (IOException | RuntimeException e) {
                jstatProblem = "jstat: " + e;
            }
        }

        /** The latest samples: "RSS 812.3 MiB, heap used 143.0 MiB of 300.0 MiB committed (old generation 60.2 MiB)". */
        String now() {
            long kib = ProcessInfo.kib(pid, "status", "VmRSS");
            Heap last;
            synchronized (heap) {
                last = heap.isEmpty() ? null : heap.get(heap.size() - 1);
            }
            return String.format("RSS %s, heap used %s of %s committed (old generation %s)", ProcessInfo.mib(kib), last == null
                    ? jstatProblem() : ProcessInfo.mib((long) last.usedKib()), last == null ? "n/a" : ProcessInfo.mib((long) last.committedKib()),
                    last == null ? "n/a" : ProcessInfo.mib((long) last.oldKib()));
        }

        /** The samples between two moments: RSS first and max, heap used first and max, old generation first and max, GCs. */
        String window(long from, long to) {
            List<Rss> r;
            synchronized (rss) {
                r = rss.stream().filter(s -> s.nanos() >= from && s.nanos() <= to).toList();
            }
            List<Heap> h;
            synchronized (heap) {
                h = heap.stream().filter(s -> s.nanos() >= from && s.nanos() <= to).toList();
            }
            StringBuilder out = new StringBuilder();
            if (r.isEmpty()) {
                out.append("RSS n/a (no sample)");
            }
            else {
                out.append(String.format("RSS %s at the start, max %s (%d samples)", ProcessInfo.mib(r.get(0).kib()),
                        ProcessInfo.mib(r.stream().mapToLong(Rss::kib).max().orElse(-1)), r.size()));
            }
            if (h.isEmpty()) {
                out.append("; heap n/a").append(jstatProblem == null ? " (no sample)" : " (" + jstatProblem + ")");
            }
            else {
                Heap first = h.get(0);
                Heap lastSample = h.get(h.size() - 1);
                out.append(String.format("; heap used %s at the start, max %s; heap committed %s at the start, max %s; "
                                + "old generation %s at the start, max %s; %d young and %d full GCs", ProcessInfo.mib((long) first.usedKib()),
                        ProcessInfo.mib((long) h.stream().mapToDouble(Heap::usedKib).max().orElse(-1)),
                        ProcessInfo.mib((long) first.committedKib()),
                        ProcessInfo.mib((long) h.stream().mapToDouble(Heap::committedKib).max().orElse(-1)), ProcessInfo.mib((long) first.oldKib()),
                        ProcessInfo.mib((long) h.stream().mapToDouble(Heap::oldKib).max().orElse(-1)),
                        lastSample.youngGcs() - first.youngGcs(), lastSample.fullGcs() - first.fullGcs()));
            }
            return out.toString();
        }

        private String jstatProblem() {
            return jstatProblem == null ? "n/a" : "n/a (" + jstatProblem + ")";
        }

        @Override
        public void close() {
            running = false;
            rssThread.interrupt();
            jstat.destroy();
        }
    }
}
