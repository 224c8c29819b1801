package io.noctua.bench;

import io.noctua.testing.TestingPostgres;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.SessionState;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Several servers on one PostgreSQL store (the suite's {@link TestingPostgres}): GetCalculationExecutionStatus
 * throughput through two servers against one server on SQLite, and the failover time, from
 * {@code kill -9} of a server until another one has ended its session.
 *
 * <p>Throughput: a finished calculation of the first server, asked about by 16 keep-alive
 * connections (the Java driver of {@link StatusThroughput}): one server on SQLite; two servers on
 * PostgreSQL with 8 connections each (the second answers from the store, the first from memory);
 * the second alone. Warm-up {@code --warmup-seconds} (8), then two rounds of {@code --measure-seconds}
 * (10) each. Failover: {@code --failovers} (3) times, a session on a fresh first server, its JVM
 * killed, the second polled every 20 ms; the lease is the default, 10 s, unless {@code --lease=...}.
 */
public final class SeveralServers {
    private static final String NAME = "SeveralServers";

    private SeveralServers() {
    }

    public static void main(String[] args) throws Exception {
        int warmup = Bench.intOption(args, "warmup-seconds", 8);
        int measure = Bench.intOption(args, "measure-seconds", 10);
        int failovers = Bench.intOption(args, "failovers", 3);
        String lease = Bench.option(args, "lease", "10s");
        Bench.printMachine(NAME);
        String missing = TestingPostgres.missing();
        if (missing != null) {
            throw new IllegalStateException("no PostgreSQL: " + missing);
        }
        String url = TestingPostgres.shared().newDatabase();
        List<String> onPostgres = List.of("--conf", "store.url=" + url, "--conf", "store.user=" + TestingPostgres.USER,
                "--conf", "store.password=" + TestingPostgres.PASSWORD, "--conf", "cluster.lease-duration=" + lease);
        System.out.println("method: status throughput with 16 connections, warm-up " + warmup + " s, 2 rounds of " + measure
                + " s; failover " + failovers + " times, lease " + lease + "\n");

        double sqlite;
        try (ExternalServer one = ExternalServer.start("")) {
            sqlite = throughput("one server, SQLite", List.of(one.port), StatusThroughput.completedCalculation(one.port)[1], warmup, measure);
        }
        ExternalServer second = ExternalServer.start("", onPostgres, java.util.Map.of());
        try {
            try (ExternalServer first = ExternalServer.start("", onPostgres, java.util.Map.of())) {
                String[] ids = StatusThroughput.completedCalculation(first.port);
                double both = throughput("two servers, PostgreSQL", List.of(first.port, second.port), ids[1], warmup, measure);
                double other = throughput("the other server alone, PostgreSQL", List.of(second.port), ids[1], warmup, measure);
                Bench.result(NAME, "status through two servers on PostgreSQL / one on SQLite", String.format("%.2f", both / sqlite));
                Bench.result(NAME, "status through the server that does not run it (PostgreSQL) / one on SQLite",
                        String.format("%.2f", other / sqlite));
                try (AthenaClient athena = client(first.port)) {
                    athena.terminateSession(r -> r.sessionId(ids[0]));
                }
            }
            List<Long> times = new ArrayList<>();
            for (int i = 0; i < failovers; i++) {
                times.add(failover(second, onPostgres));
            }
            System.out.println("failover times (ms): " + times);
            Bench.result(NAME, "failover, kill -9 until the session is ended by the other server (median of " + failovers + ", lease "
                    + lease + ")", Stats.ms(Stats.ofNanos(times.stream().mapToLong(ms -> ms * 1_000_000).toArray()).median()) + " ms");
        }
        finally {
            second.close();
        }
        System.exit(0);
    }

    private static double throughput(String label, List<Integer> ports, String calculationId, int warmup, int measure) {
        StatusThroughput.Endpoint status = new StatusThroughput.Endpoint("status", "GetCalculationExecutionStatus",
                "{\"CalculationExecutionId\":" + Wire.quote(calculationId) + "}");
        StatusThroughput.JavaDriver driver = new StatusThroughput.JavaDriver(ports, 16);
        driver.run(status, warmup);
        double requests = 0;
        double seconds = 0;
        for (int round = 1; round <= 2; round++) {
            StatusThroughput.Round result = driver.run(status, measure);
            if (result.errors() > 0) {
                throw new IllegalStateException(label + ": " + result.errors() + " errors");
            }
            System.out.printf("%-38s round %d  %8.0f req/s  p50 %s ms  p99 %s ms   %s%n", label, round, result.rate(),
                    Stats.ms(result.p50()), Stats.ms(result.p99()), result.cpu());
            requests += result.requests();
            seconds += result.seconds();
        }
        Bench.result(NAME, "status req/s, " + label, String.format("%.0f", requests / seconds));
        return requests / seconds;
    }

    /** A session on a new first server, whose JVM is then killed: how long until the second has ended the session. */
    private static long failover(ExternalServer second, List<String> onPostgres) {
        ExternalServer first = ExternalServer.start("", onPostgres, java.util.Map.of());
        try (AthenaClient viaFirst = client(first.port); AthenaClient viaSecond = client(second.port)) {
            String sessionId = viaFirst.startSession(r -> r.workGroup("spark").engineConfiguration(e -> e.maxConcurrentDpus(2))).sessionId();
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (viaSecond.getSessionStatus(r -> r.sessionId(sessionId)).status().state() != SessionState.IDLE) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the session did not become IDLE");
                }
                Bench.sleepMillis(20);
            }
            long killed = System.nanoTime();
            ProcessHandle.of(first.jvmPid()).ifPresent(ProcessHandle::destroyForcibly);
            while (viaSecond.getSessionStatus(r -> r.sessionId(sessionId)).status().state() != SessionState.TERMINATED) {
                if (System.nanoTime() - killed > 120_000_000_000L) {
                    throw new IllegalStateException("the killed server's session was not ended");
                }
                Bench.sleepMillis(20);
            }
            long millis = (System.nanoTime() - killed) / 1_000_000;
            System.out.println("failover: " + millis + " ms; " + viaSecond.getSession(r -> r.sessionId(sessionId)).status().stateChangeReason());
            return millis;
        }
        finally {
            first.close();
        }
    }

    private static AthenaClient client(int port) {
        return AthenaClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("bench", "bench")))
                .httpClientBuilder(Apache5HttpClient.builder())
                .build();
    }
}
