package io.noctua.bench;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.SessionState;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How many GetCalculationExecutionStatus calls per second the server answers, compared with its
 * cheapest operation (ListEngineVersions: no input, a constant answer, no store access), under the
 * same closed-loop load: 16 keep-alive connections on loopback, each sending its next request as
 * soon as the previous answer arrived.
 *
 * <p>Options: {@code --driver=wrk} (default: wrk against {@code ./noctua serve} in its own process)
 * or {@code --driver=java} (a plain-socket Java driver against a server in this JVM);
 * {@code --warmup-seconds=8}, {@code --measure-seconds=10} (each of 4 rounds: status, cheapest,
 * cheapest, status), {@code --connections=16}, {@code --wrk-threads=1},
 * {@code --server-java-opts=...} (NOCTUA_JAVA_OPTS of the wrk driver's server process),
 * {@code --with-session-status=true} (adds GetSessionStatus of the live session, answered from
 * memory, as a third endpoint: 6 rounds).
 */
public final class StatusThroughput {
    private static final String NAME = "StatusThroughput";

    private StatusThroughput() {
    }

    record Endpoint(String label, String operation, String body) {
    }

    /** One fixed-duration load on one endpoint. Latencies in milliseconds. */
    record Round(Endpoint endpoint, double seconds, long requests, long errors, double p50, double p90, double p99,
                 double max, String cpu) {
        double rate() {
            return requests / seconds;
        }
    }

    interface Driver {
        Round run(Endpoint endpoint, int seconds);
    }

    public static void main(String[] args) throws Exception {
        String driverName = Bench.option(args, "driver", "wrk");
        int warmup = Bench.intOption(args, "warmup-seconds", 8);
        int measure = Bench.intOption(args, "measure-seconds", 10);
        int connections = Bench.intOption(args, "connections", 16);
        int wrkThreads = Bench.intOption(args, "wrk-threads", 1);
        String serverOptions = Bench.option(args, "server-java-opts", "");
        boolean withSessionStatus = Boolean.parseBoolean(Bench.option(args, "with-session-status", "false"));

        Bench.printMachine(NAME);
        System.out.printf("method: %d keep-alive connections on 127.0.0.1, closed loop; driver %s; warm-up %d s per endpoint, "
                + "then rounds of %d s in the order %s%n%n", connections, driverName, warmup, measure,
                withSessionStatus ? "status, cheapest, session, session, cheapest, status" : "status, cheapest, cheapest, status");

        if (driverName.equals("wrk")) {
            try (ExternalServer server = ExternalServer.start(serverOptions)) {
                Path scripts = Bench.tempDir("noctua-bench-wrk-");
                try {
                    run(server.port, server.dataDir, new WrkDriver(server.port, server.pid(), connections, wrkThreads, scripts),
                            warmup, measure, withSessionStatus);
                }
                finally {
                    Bench.deleteTree(scripts);
                }
            }
        }
        else if (driverName.equals("java")) {
            if (!serverOptions.isEmpty()) {
                throw new IllegalArgumentException("--server-java-opts applies to --driver=wrk; give JVM options to bench/run's JAVA_OPTS instead");
            }
            try (Bench.InProcess server = Bench.InProcess.start()) {
                run(server.port(), server.dataDir, new JavaDriver(server.port(), connections), warmup, measure, withSessionStatus);
            }
        }
        else {
            throw new IllegalArgumentException("--driver must be wrk or java, not " + driverName);
        }
        System.exit(0); // the SDK's and Spark's non-daemon threads must not keep the JVM
    }

    private static void run(int port, Path dataDir, Driver driver, int warmup, int measure, boolean withSessionStatus) {
        String[] ids = completedCalculation(port);
        String calculationId = ids[1];
        Endpoint status = new Endpoint("status", "GetCalculationExecutionStatus",
                "{\"CalculationExecutionId\":" + Wire.quote(calculationId) + "}");
        Endpoint cheapest = new Endpoint("cheapest", "ListEngineVersions", "{}");
        // optional third endpoint: a status answered from memory (the session is live), for comparison
        Endpoint sessionStatus = new Endpoint("session", "GetSessionStatus", "{\"SessionId\":" + Wire.quote(ids[0]) + "}");
        List<Endpoint> endpoints = withSessionStatus ? List.of(status, cheapest, sessionStatus) : List.of(status, cheapest);
        List<Endpoint> order = new ArrayList<>(endpoints);
        for (int i = endpoints.size() - 1; i >= 0; i--) {
            order.add(endpoints.get(i));
        }
        try (Wire wire = new Wire(port)) {
            for (Endpoint endpoint : endpoints) {
                Wire.Response response = wire.send(Wire.request(port, endpoint.operation(), endpoint.body()));
                System.out.printf("%-9s %s -> HTTP %d, %d bytes: %s%n", endpoint.label(), endpoint.operation(), response.status(),
                        response.body().length, response.text());
                if (response.status() != 200) {
                    throw new IllegalStateException(endpoint.operation() + " does not answer 200");
                }
            }
        }
        System.out.println();

        for (Endpoint endpoint : endpoints) {
            Round round = driver.run(endpoint, warmup);
            System.out.printf("warm-up   %-9s %8.0f req/s  p50 %s ms  p99 %s ms   %s%n", endpoint.label(), round.rate(),
                    Stats.ms(round.p50()), Stats.ms(round.p99()), round.cpu());
        }
        List<Round> rounds = new ArrayList<>();
        for (Endpoint endpoint : order) {
            Round round = driver.run(endpoint, measure);
            rounds.add(round);
            System.out.printf("round %d   %-9s %8.0f req/s  p50 %s ms  p90 %s ms  p99 %s ms  max %s ms  errors %d   %s%n",
                    rounds.size(), endpoint.label(), round.rate(), Stats.ms(round.p50()), Stats.ms(round.p90()),
                    Stats.ms(round.p99()), Stats.ms(round.max()), round.errors(), round.cpu());
        }
        System.out.println();

        double statusRate = summarize(status, rounds);
        double cheapestRate = summarize(cheapest, rounds);
        if (withSessionStatus) {
            double sessionRate = summarize(sessionStatus, rounds);
            Bench.result(NAME, "session-status/cheapest ratio", String.format("%.2f", sessionRate / cheapestRate));
        }
        double ratio = statusRate / cheapestRate;
        Bench.result(NAME, "status/cheapest throughput ratio", String.format("%.2f (target >= 0.8: %s)", ratio,
                ratio >= 0.8 ? "met" : "NOT met"));
        storeReadCost(dataDir, calculationId, connections(driver));
        long errors = rounds.stream().mapToLong(Round::errors).sum();
        if (errors > 0) {
            Bench.result(NAME, "errors", errors + " non-2xx answers or socket errors: the numbers above are not valid");
        }
    }

    private static int connections(Driver driver) {
        return driver instanceof WrkDriver wrk ? wrk.connections : ((JavaDriver) driver).connections;
    }

    /**
     * A diagnostic, after the load: what the read behind GetCalculationExecutionStatus of a finished
     * calculation costs. The server answers it from its store ({@code JdbcSessionStore.calculation} on the
     * one connection of {@code Database}, whose methods are synchronized); here the same classes open
     * the server's store file with their own connection and call {@code get} from 1 thread, then from
     * as many threads as the load had connections, for 2 s each.
     */
    private static void storeReadCost(Path dataDir, String calculationId, int threads) {
        System.out.println();
        System.out.println("diagnostic: the store read behind a finished calculation's status (JdbcSessionStore.calculation, "
                + "the server's classes on its store file, own connection):");
        try (io.noctua.store.Database database = io.noctua.store.Database.open("jdbc:sqlite:" + dataDir.resolve("noctua.db"))) {
            io.noctua.store.JdbcSessionStore store = new io.noctua.store.JdbcSessionStore(database, "bench");
            for (int i = 0; i < 20_000; i++) { // warm-up
                store.calculation(calculationId).orElseThrow();
            }
            for (int n : new int[] {1, threads}) {
                AtomicLong calls = new AtomicLong();
                long duration = TimeUnit.SECONDS.toNanos(2);
                List<Thread> workers = new ArrayList<>();
                long begin = System.nanoTime();
                for (int t = 0; t < n; t++) {
                    Thread worker = new Thread(() -> {
                        long mine = 0;
                        while (System.nanoTime() - begin < duration) {
                            store.calculation(calculationId).orElseThrow();
                            mine++;
                        }
                        calls.addAndGet(mine);
                    });
                    workers.add(worker);
                    worker.start();
                }
                for (Thread worker : workers) {
                    worker.join();
                }
                double seconds = (System.nanoTime() - begin) / 1e9;
                double rate = calls.get() / seconds;
                System.out.printf("  %2d thread%s: %8.0f reads/s, %6.1f us per read%s%n", n, n == 1 ? " " : "s", rate,
                        1e6 / rate, n == 1 ? "" : " (wall time per read: the calls are serialized on one connection)");
                Bench.result(NAME, "store read, " + n + " thread" + (n == 1 ? "" : "s") + ", reads/s", String.format("%.0f", rate));
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        catch (RuntimeException e) {
            System.out.println("  not measured: " + e);
        }
        preparedStatementReuse(dataDir, calculationId);
    }

    /** The server's query text for one calculation (JdbcSessionStore's CALCULATION_COLUMNS and its calculation read). */
    private static final String GET_CALCULATION = "SELECT seq, calculation_id, session_id, description, working_directory, "
            + "state, state_change_reason, submission_time, completion_time, dpu_millis, progress, std_out_uri, std_error_uri, "
            + "result_uri, result_type, client_request_token, request_fingerprint FROM calculations WHERE calculation_id = ?";

    /**
     * The same query on plain JDBC, one thread, 2 s each: prepared anew for every read (what
     * {@code Database.query} does) and with one PreparedStatement kept and re-executed.
     */
    private static void preparedStatementReuse(Path dataDir, String calculationId) {
        try (java.sql.Connection connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("noctua.db"))) {
            java.util.function.BooleanSupplier fresh = () -> {
                try (java.sql.PreparedStatement statement = connection.prepareStatement(GET_CALCULATION)) {
                    statement.setString(1, calculationId);
                    return readRow(statement);
                }
                catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            };
            java.sql.PreparedStatement kept = connection.prepareStatement(GET_CALCULATION);
            java.util.function.BooleanSupplier reused = () -> {
                try {
                    kept.setString(1, calculationId);
                    return readRow(kept);
                }
                catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            };
            for (String label : List.of("prepared per read", "one statement reused")) {
                java.util.function.BooleanSupplier read = label.startsWith("prepared") ? fresh : reused;
                for (int i = 0; i < 20_000; i++) {
                    read.getAsBoolean();
                }
                long calls = 0;
                long begin = System.nanoTime();
                long duration = TimeUnit.SECONDS.toNanos(2);
                while (System.nanoTime() - begin < duration) {
                    if (!read.getAsBoolean()) {
                        throw new IllegalStateException("calculation row not found");
                    }
                    calls++;
                }
                double perRead = (System.nanoTime() - begin) / 1e3 / calls;
                System.out.printf("  plain JDBC, 1 thread, %-22s %6.1f us per read%n", label + ":", perRead);
                Bench.result(NAME, "plain JDBC read, " + label + ", us", String.format("%.1f", perRead));
            }
            kept.close();
        }
        catch (java.sql.SQLException | RuntimeException e) {
            System.out.println("  plain JDBC comparison not measured: " + e);
        }
    }

    private static boolean readRow(java.sql.PreparedStatement statement) throws java.sql.SQLException {
        try (java.sql.ResultSet rows = statement.executeQuery()) {
            if (!rows.next()) {
                return false;
            }
            for (int column = 1; column <= 17; column++) {
                rows.getObject(column);
            }
            return true;
        }
    }

    /** Prints an endpoint's totals over its rounds; returns its requests per second. */
    private static double summarize(Endpoint endpoint, List<Round> rounds) {
        List<Round> mine = rounds.stream().filter(r -> r.endpoint().equals(endpoint)).toList();
        double seconds = mine.stream().mapToDouble(Round::seconds).sum();
        long requests = mine.stream().mapToLong(Round::requests).sum();
        double rate = requests / seconds;
        String prefix = endpoint.label() + " (" + endpoint.operation() + ")";
        Bench.result(NAME, prefix + " req/s", String.format("%.0f", rate));
        Bench.result(NAME, prefix + " p50 ms", Stats.ms(mine.stream().mapToDouble(Round::p50).average().orElse(Double.NaN))
                + " (mean of the rounds' p50)");
        Bench.result(NAME, prefix + " p99 ms", Stats.ms(mine.stream().mapToDouble(Round::p99).average().orElse(Double.NaN))
                + " (mean of the rounds' p99)");
        return rate;
    }

    /** Through the AWS SDK for Java v2 (Apache5HttpClient, as the tests use it): a session, and one {@code %%sql SELECT 1} calculation run to COMPLETED. */
    @SuppressWarnings("deprecation")
    static String[] completedCalculation(int port) {
        try (AthenaClient athena = AthenaClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("bench", "bench")))
                .httpClientBuilder(Apache5HttpClient.builder())
                .build()) {
            String sessionId = athena.startSession(r -> r.workGroup("spark").engineConfiguration(e -> e.maxConcurrentDpus(2)))
                    .sessionId();
            await("session IDLE", () -> {
                SessionState state = athena.getSessionStatus(r -> r.sessionId(sessionId)).status().state();
                if (state == SessionState.FAILED || state == SessionState.TERMINATED) {
                    throw new IllegalStateException("session " + sessionId + " is " + state);
                }
                return state == SessionState.IDLE;
            });
            String calculationId = athena.startCalculationExecution(r -> r.sessionId(sessionId).codeBlock("%%sql\nSELECT 1"))
                    .calculationExecutionId();
            await("calculation COMPLETED", () -> {
                CalculationExecutionState state = athena.getCalculationExecutionStatus(r -> r.calculationExecutionId(calculationId))
                        .status().state();
                if (state == CalculationExecutionState.FAILED || state == CalculationExecutionState.CANCELED) {
                    throw new IllegalStateException("calculation " + calculationId + " is " + state);
                }
                return state == CalculationExecutionState.COMPLETED;
            });
            System.out.println("set-up through the AWS SDK v2 AthenaClient: session " + sessionId + ", calculation "
                    + calculationId + " COMPLETED");
            return new String[] {sessionId, calculationId};
        }
    }

    private static void await(String what, Supplier<Boolean> done) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!done.get()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            Bench.sleepMillis(10);
        }
    }

    /** wrk (a C event-loop load generator) against a server in another process. */
    static final class WrkDriver implements Driver {
        private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ([\\d.]+)(us|ms|s|m)");
        private static final Pattern PERCENTILE = Pattern.compile("^\\s*(50|90|99)%\\s+([\\d.]+)(us|ms|s|m)\\s*$", Pattern.MULTILINE);
        private static final Pattern MAX = Pattern.compile("Latency\\s+\\S+\\s+\\S+\\s+([\\d.]+)(us|ms|s|m)");
        private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
        private static final Pattern SOCKET_ERRORS = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");

        private final int port;
        private final long serverPid;
        private final int connections;
        private final int threads;
        private final Path scripts;

        WrkDriver(int port, long serverPid, int connections, int threads, Path scripts) {
            this.port = port;
            this.serverPid = serverPid;
            this.connections = connections;
            this.threads = threads;
            this.scripts = scripts;
        }

        @Override
        public Round run(Endpoint endpoint, int seconds) {
            Path script = scripts.resolve(endpoint.operation() + ".lua");
            String lua = "wrk.method = \"POST\"\n"
                    + "wrk.body = '" + endpoint.body() + "'\n"
                    + "wrk.headers[\"X-Amz-Target\"] = \"AmazonAthena." + endpoint.operation() + "\"\n"
                    + "wrk.headers[\"Content-Type\"] = \"application/x-amz-json-1.1\"\n";
            try {
                Files.writeString(script, lua, StandardCharsets.UTF_8);
                Map<String, Long> pids = new LinkedHashMap<>();
                pids.put("server", serverPid);
                pids.put("wrk", CpuMeter.REAPED_CHILDREN);
                CpuMeter cpu = CpuMeter.start(pids);
                Process wrk = new ProcessBuilder("wrk", "-t" + threads, "-c" + connections, "-d" + seconds + "s", "--latency",
                        "--timeout", "10s", "-s", script.toString(), "http://127.0.0.1:" + port + "/")
                        .redirectErrorStream(true).start();
                String output = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!wrk.waitFor(seconds + 30L, TimeUnit.SECONDS) || wrk.exitValue() != 0) {
                    throw new IllegalStateException("wrk failed:\n" + output);
                }
                String cpuLine = cpu.stop();
                return parse(endpoint, output, cpuLine);
            }
            catch (IOException e) {
                throw new UncheckedIOException("cannot run wrk (bench/run installs it with apt-get)", e);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        private static Round parse(Endpoint endpoint, String output, String cpu) {
            Matcher requests = REQUESTS.matcher(output);
            if (!requests.find()) {
                throw new IllegalStateException("cannot read wrk's output:\n" + output);
            }
            long count = Long.parseLong(requests.group(1));
            double seconds = millis(requests.group(2), requests.group(3)) / 1000;
            double p50 = Double.NaN;
            double p90 = Double.NaN;
            double p99 = Double.NaN;
            Matcher percentile = PERCENTILE.matcher(output);
            while (percentile.find()) {
                double value = millis(percentile.group(2), percentile.group(3));
                switch (percentile.group(1)) {
                    case "50" -> p50 = value;
                    case "90" -> p90 = value;
                    default -> p99 = value;
                }
            }
            Matcher max = MAX.matcher(output);
            double maxMillis = max.find() ? millis(max.group(1), max.group(2)) : Double.NaN;
            long errors = 0;
            Matcher non2xx = NON_2XX.matcher(output);
            if (non2xx.find()) {
                errors += Long.parseLong(non2xx.group(1));
            }
            Matcher socket = SOCKET_ERRORS.matcher(output);
            if (socket.find()) {
                for (int group = 1; group <= 4; group++) {
                    errors += Long.parseLong(socket.group(group));
                }
            }
            return new Round(endpoint, seconds, count, errors, p50, p90, p99, maxMillis, cpu);
        }

        private static double millis(String value, String unit) {
            double number = Double.parseDouble(value);
            return switch (unit) {
                case "us" -> number / 1000;
                case "ms" -> number;
                case "s" -> number * 1000;
                default -> number * 60_000;
            };
        }
    }

    /**
     * A Java driver: one thread per connection, each a plain keep-alive socket ({@link Wire}) sending
     * prepared request bytes and reading the answer by its Content-Length; every latency is kept.
     */
    static final class JavaDriver implements Driver {
        private final List<Integer> ports;
        private final int connections;

        JavaDriver(int port, int connections) {
            this(List.of(port), connections);
        }

        /** Connection i goes to {@code ports[i % ports.size()]}: several servers under one load. */
        JavaDriver(List<Integer> ports, int connections) {
            this.ports = List.copyOf(ports);
            this.connections = connections;
        }

        @Override
        public Round run(Endpoint endpoint, int seconds) {
            List<Wire> wires = new ArrayList<>();
            byte[][] requests = new byte[connections][];
            for (int i = 0; i < connections; i++) {
                int port = ports.get(i % ports.size());
                wires.add(new Wire(port));
                requests[i] = Wire.request(port, endpoint.operation(), endpoint.body());
            }
            long[][] latencies = new long[connections][];
            int[] counts = new int[connections];
            AtomicLong errors = new AtomicLong();
            AtomicLong startNanos = new AtomicLong();
            CyclicBarrier start = new CyclicBarrier(connections, () -> startNanos.set(System.nanoTime()));
            long duration = TimeUnit.SECONDS.toNanos(seconds);
            List<Thread> threads = new ArrayList<>();
            CpuMeter cpu = CpuMeter.start(Map.of("jvm(server+driver)", ProcessHandle.current().pid()));
            for (int c = 0; c < connections; c++) {
                int index = c;
                Thread thread = new Thread(() -> {
                    Wire wire = wires.get(index);
                    byte[] request = requests[index];
                    long[] mine = new long[1 << 16];
                    int count = 0;
                    try {
                        start.await();
                    }
                    catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    long deadline = startNanos.get() + duration;
                    try {
                        while (true) {
                            long begin = System.nanoTime();
                            if (begin >= deadline) {
                                break;
                            }
                            Wire.Response response = wire.send(request);
                            long end = System.nanoTime();
                            if (response.status() != 200) {
                                errors.incrementAndGet();
                            }
                            if (count == mine.length) {
                                mine = java.util.Arrays.copyOf(mine, mine.length * 2);
                            }
                            mine[count++] = end - begin;
                        }
                    }
                    catch (RuntimeException e) {
                        errors.incrementAndGet(); // this connection failed; its latencies so far still count
                    }
                    finally {
                        latencies[index] = mine;
                        counts[index] = count;
                    }
                }, "load-" + c);
                threads.add(thread);
                thread.start();
            }
            for (Thread thread : threads) {
                try {
                    thread.join();
                }
                catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            double elapsed = (System.nanoTime() - startNanos.get()) / 1e9;
            String cpuLine = cpu.stop();
            wires.forEach(Wire::close);
            int total = 0;
            for (int count : counts) {
                total += count;
            }
            long[] all = new long[total];
            int at = 0;
            for (int c = 0; c < connections; c++) {
                System.arraycopy(latencies[c], 0, all, at, counts[c]);
                at += counts[c];
            }
            Stats stats = Stats.ofNanos(all);
            return new Round(endpoint, elapsed, total, errors.get(), stats.median(), stats.percentile(90), stats.percentile(99),
                    stats.max(), cpuLine);
        }
    }
}
