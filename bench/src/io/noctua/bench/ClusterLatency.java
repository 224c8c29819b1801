package io.noctua.bench;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code %%sql} calculations on a Spark standalone cluster on this machine against {@code local[*]}: two
 * {@code ./noctua serve} processes, one on {@code local[*]}, one on a standalone Master and Worker started from
 * the Maven jars (a SPARK_HOME whose {@code jars/} links to the benchmark's class path, as the tests do), the
 * Worker with as many cores as local[*] has. Both servers run at once, idle between blocks, and are measured in
 * alternating blocks (local, cluster, cluster, local, ...) so that drift and other load on the machine fall on
 * both alike. Each block: {@code SELECT 1} runs, then aggregation runs ({@code GROUP BY} over 10 million
 * generated rows), each timed through the API from StartCalculationExecution to COMPLETED seen.
 *
 * <p>Options: {@code --n=100} SELECT 1 runs of each, {@code --heavy-n=20} aggregation runs of each,
 * {@code --warmup=20}, {@code --block=10}, {@code --poll-sleep-ms=1}.
 */
public final class ClusterLatency {
    private static final String NAME = "ClusterLatency";
    private static final String SELECT_1 = "%%sql\nSELECT 1";
    private static final String HEAVY = "%%sql\nSELECT id % 100 AS k, count(*) AS n, sum(id) AS total FROM range(0, 10000000) "
            + "GROUP BY id % 100 ORDER BY k LIMIT 3";

    private ClusterLatency() {
    }

    public static void main(String[] args) throws IOException {
        int n = Bench.intOption(args, "n", 100);
        int heavyN = Bench.intOption(args, "heavy-n", 20);
        int warmup = Bench.intOption(args, "warmup", 20);
        int block = Bench.intOption(args, "block", 10);
        int pollSleep = Bench.intOption(args, "poll-sleep-ms", 1);
        int cores = Runtime.getRuntime().availableProcessors();
        Bench.printMachine(NAME);
        System.out.printf("method: two ./noctua serve processes at once: local[*] (%d cores), and a standalone Master + Worker "
                + "(--cores %d --memory 2g, one executor of 1g) from the Maven jars on loopback; n=%d SELECT 1 and %d aggregation "
                + "runs of each after %d warm-up runs of each, in blocks of %d (SELECT 1) and %d (aggregation), order local cluster "
                + "cluster local ...; API client: one keep-alive loopback connection per server, %d ms between status polls; "
                + "aggregation: %s%n%n", cores, cores, n, heavyN, warmup, block, Math.max(1, block * heavyN / n), pollSleep,
                HEAVY.substring(6));
        Path home = Bench.tempDir("noctua-bench-spark-home-");
        List<Process> cluster = new ArrayList<>();
        try {
            String master = startCluster(home, cores, cluster);
            try (ExternalServer local = ExternalServer.start("");
                 ExternalServer onCluster = ExternalServer.start("", List.of("--spark-master", master,
                         "--conf", "s3.port=" + Bench.freePort(), "--conf", "spark.executor.memory=1g",
                         "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1"), Map.of());
                 Wire localWire = new Wire(local.port);
                 Wire clusterWire = new Wire(onCluster.port)) {
                Wire[] wires = {localWire, clusterWire};
                String[] sessions = {ApiRuns.startSession(localWire), ApiRuns.startSession(clusterWire)};
                for (int i = 0; i < warmup; i++) {
                    for (int s = 0; s < 2; s++) {
                        ApiRuns.run(wires[s], sessions[s], SELECT_1, pollSleep, id -> "");
                        if (i < Math.max(2, warmup / 5)) {
                            ApiRuns.run(wires[s], sessions[s], HEAVY, pollSleep, id -> "");
                        }
                    }
                }
                long[][] select1 = new long[2][n];
                long[][] heavy = new long[2][heavyN];
                int heavyBlock = Math.max(1, block * heavyN / n);
                CpuMeter cpu = CpuMeter.start(Map.of("local server", local.jvmPid(), "cluster server", onCluster.jvmPid()));
                int[] order = {0, 1};
                int done = 0;
                int heavyDone = 0;
                while (done < n || heavyDone < heavyN) {
                    int count = Math.min(block, n - done);
                    int heavyCount = Math.min(heavyBlock, heavyN - heavyDone);
                    for (int s : order) {
                        for (int i = done; i < done + count; i++) {
                            select1[s][i] = ApiRuns.run(wires[s], sessions[s], SELECT_1, pollSleep, id -> "").totalNanos();
                        }
                        for (int i = heavyDone; i < heavyDone + heavyCount; i++) {
                            heavy[s][i] = ApiRuns.run(wires[s], sessions[s], HEAVY, pollSleep, id -> "").totalNanos();
                        }
                    }
                    order = new int[] {order[1], order[0]};
                    done += count;
                    heavyDone += heavyCount;
                }
                String cpuLine = cpu.stop();
                Stats localSelect1 = Stats.ofNanos(select1[0]);
                Stats clusterSelect1 = Stats.ofNanos(select1[1]);
                Stats localHeavy = Stats.ofNanos(heavy[0]);
                Stats clusterHeavy = Stats.ofNanos(heavy[1]);
                System.out.println("SELECT 1, local[*]:           " + localSelect1.describe());
                System.out.println("SELECT 1, standalone cluster: " + clusterSelect1.describe());
                System.out.println("aggregation, local[*]:           " + localHeavy.describe());
                System.out.println("aggregation, standalone cluster: " + clusterHeavy.describe());
                System.out.println("during the measured runs, " + cpuLine);
                System.out.println();
                double select1Ratio = clusterSelect1.median() / localSelect1.median();
                double heavyRatio = clusterHeavy.median() / localHeavy.median();
                Bench.result(NAME, "SELECT 1 local[*] median ms", Stats.ms(localSelect1.median()) + "  p90 " + Stats.ms(localSelect1.percentile(90)));
                Bench.result(NAME, "SELECT 1 standalone median ms", Stats.ms(clusterSelect1.median()) + "  p90 " + Stats.ms(clusterSelect1.percentile(90)));
                Bench.result(NAME, "SELECT 1 standalone / local[*]", String.format("%.2f, added %s ms (target <= 1.5: %s)", select1Ratio,
                        Stats.ms(clusterSelect1.median() - localSelect1.median()), select1Ratio <= 1.5 ? "met" : "NOT met"));
                Bench.result(NAME, "aggregation local[*] median ms", Stats.ms(localHeavy.median()) + "  p90 " + Stats.ms(localHeavy.percentile(90)));
                Bench.result(NAME, "aggregation standalone median ms", Stats.ms(clusterHeavy.median()) + "  p90 " + Stats.ms(clusterHeavy.percentile(90)));
                Bench.result(NAME, "aggregation standalone / local[*]", String.format("%.2f (target <= 1.5: %s)", heavyRatio,
                        heavyRatio <= 1.5 ? "met" : "NOT met"));
            }
        }
        finally {
            for (Process process : cluster) {
                process.destroyForcibly();
            }
            Bench.deleteTree(home);
        }
        System.exit(0);
    }

    /**
     * A Master and a Worker of {@code cores} cores from this JVM's class path (the Maven jars): the Worker runs
     * executors from {@code $SPARK_HOME/jars}, so that folder links to those jars, and needs
     * {@code SPARK_SCALA_VERSION=2.13} to run without a distribution's layout. Returns the master's URL.
     */
    private static String startCluster(Path home, int cores, List<Process> started) throws IOException {
        Path jars = Files.createDirectories(home.resolve("jars"));
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path jar = Path.of(entry).toAbsolutePath();
            // Noctua's own jar stays out: the server ships it to the executors itself (spark.jars), as on a real cluster
            if (entry.endsWith(".jar") && !entry.contains("target/bench/") && Files.isRegularFile(jar)
                    && !Files.exists(jars.resolve(jar.getFileName()))) {
                Files.createSymbolicLink(jars.resolve(jar.getFileName()), jar);
            }
        }
        int port = Bench.freePort();
        String url = "spark://127.0.0.1:" + port;
        long begin = System.nanoTime();
        started.add(launch(home, "master", List.of("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                "--port", Integer.toString(port), "--webui-port", Integer.toString(Bench.freePort()))));
        awaitLog(started.get(0), home.resolve("master.log"), "I have been elected leader");
        started.add(launch(home, "worker", List.of("org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                "--cores", Integer.toString(cores), "--memory", "2g", "--webui-port", Integer.toString(Bench.freePort()),
                "--work-dir", Files.createDirectories(home.resolve("work")).toString(), url)));
        awaitLog(started.get(1), home.resolve("worker.log"), "Successfully registered with master");
        System.out.printf("standalone cluster: %s, Master and Worker ready in %d ms%n", url,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
        return url;
    }

    private static Process launch(Path home, String name, List<String> mainAndArgs) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", home.resolve("jars") + File.separator + "*"));
        command.addAll(mainAndArgs);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(home.resolve(name + ".log").toFile());
        builder.environment().put("SPARK_HOME", home.toString());
        builder.environment().put("SPARK_SCALA_VERSION", "2.13");
        builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        return builder.start();
    }

    private static void awaitLog(Process process, Path log, String line) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(line)) {
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(log + ": the process exited:\n" + Files.readString(log));
            }
            Bench.sleepMillis(100);
        }
        throw new UncheckedIOException(new IOException("no '" + line + "' in " + log + " within 120 s"));
    }
}
