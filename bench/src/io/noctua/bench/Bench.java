package io.noctua.bench;

import io.noctua.NoctuaServer;
import io.noctua.config.NoctuaConfig;
import io.noctua.engine.EngineSession;
import io.noctua.engine.SparkEngine;
import io.noctua.engine.python.PythonWorkers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** What every benchmark shares: the machine facts, options, temporary directories, an in-process server. */
final class Bench {
    private Bench() {
    }

    /** Prints the facts a reader needs to judge the numbers: cores, CPU, memory, Java, date, load. */
    static void printMachine(String benchmark) {
        System.out.println("=== " + benchmark + " ===");
        System.out.println("machine:");
        System.out.println("  date -u      " + command("date", "-u").strip());
        System.out.println("  nproc        " + command("nproc").strip()
                + " (JVM sees " + Runtime.getRuntime().availableProcessors() + ")");
        System.out.println("  cpu          " + cpuModel());
        System.out.println("  memory       " + memTotal());
        System.out.println("  kernel       " + command("uname", "-sr").strip());
        String javaVersion = command(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version");
        boolean first = true;
        for (String line : javaVersion.strip().split("\n")) {
            System.out.println((first ? "  java -version " : "               ") + line);
            first = false;
        }
        List<String> flags = java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(flag -> !flag.startsWith("--add-opens") && !flag.equals("-XX:+IgnoreUnrecognizedVMOptions")
                        && !flag.startsWith("-Djdk.reflect.useDirectMethodHandle") && !flag.startsWith("-Djava.util.logging"))
                .toList();
        System.out.println("  JVM options  " + (flags.isEmpty() ? "(only pom.xml's spark.java.opens)" : String.join(" ", flags)
                + "  (besides pom.xml's spark.java.opens)"));
        System.out.println("  loadavg      " + read("/proc/loadavg").strip() + "   (before the run; other processes share these cores)");
        System.out.println();
    }

    static String cpuModel() {
        for (String line : read("/proc/cpuinfo").split("\n")) {
            if (line.startsWith("model name")) {
                return line.substring(line.indexOf(':') + 1).strip();
            }
        }
        return "unknown";
    }

    static String memTotal() {
        for (String line : read("/proc/meminfo").split("\n")) {
            if (line.startsWith("MemTotal:")) {
                long kib = Long.parseLong(line.replaceAll("\\D", ""));
                return String.format("%.1f GiB (MemTotal %d kB)", kib / 1024.0 / 1024.0, kib);
            }
        }
        return "unknown";
    }

    static String read(String path) {
        try {
            return Files.readString(Path.of(path), StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            return "unreadable (" + e.getMessage() + ")";
        }
    }

    /** Runs a short command and returns its standard output and error together. */
    static String command(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor(30, TimeUnit.SECONDS);
            return output;
        }
        catch (IOException e) {
            return "unavailable (" + e.getMessage() + ")";
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** {@code --name=value} from the arguments, else {@code fallback}. */
    static String option(String[] args, String name, String fallback) {
        String prefix = "--" + name + "=";
        for (String arg : args) {
            if (arg.startsWith(prefix)) {
                return arg.substring(prefix.length());
            }
        }
        return fallback;
    }

    static int intOption(String[] args, String name, int fallback) {
        return Integer.parseInt(option(args, name, Integer.toString(fallback)));
    }

    static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
        catch (IOException e) {
            System.err.println("bench: could not delete " + root + ": " + e.getMessage());
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * A Noctua server in this JVM, on a free loopback port and a fresh data directory, configured
     * as {@code noctua serve} would be (so Spark gets the server's own defaults: local[*], its web UI on).
     */
    static final class InProcess implements AutoCloseable {
        final Path dataDir;
        final NoctuaConfig config;
        final SparkEngine engine;
        final NoctuaServer server;
        /** Python workers for the benchmarks' own reference sessions: none started ahead (they run no Python). */
        private final PythonWorkers referenceWorkers;

        private InProcess(Path dataDir, NoctuaConfig config, SparkEngine engine, NoctuaServer server) {
            this.dataDir = dataDir;
            this.config = config;
            this.engine = engine;
            this.server = server;
            this.referenceWorkers = PythonWorkers.start(config.pythonExecutable(), dataDir.resolve("bench-python"), 0,
                    config.pythonStartTimeout());
        }

        /**
         * {@code engine.newSession} as the server calls it, for a reference session outside the server: its calculations'
         * Spark jobs are recorded as the server's are, and then dropped.
         */
        EngineSession newSession(String sessionId) {
            return engine.newSession(sessionId, Map.of(), 20, referenceWorkers, dataDir.resolve("bench-python").resolve("sessions"),
                    (session, calculation, jobs) -> { }, () -> io.noctua.engine.hive.RemoteCatalogs.NONE);
        }

        static InProcess start() {
            Path dataDir = tempDir("noctua-bench-");
            Map<String, String> settings = new HashMap<>();
            settings.put("http.port", "0");
            settings.put("data-dir", dataDir.toString());
            // calculation outputs go to the embedded S3 store, as with ./noctua serve
            settings.put("s3.port", "0");
            // the machine's python3 as it is, as for ExternalServer
            settings.put("python.executable", "python3");
            NoctuaConfig config = NoctuaConfig.from(settings);
            long begin = System.nanoTime();
            SparkEngine engine = SparkEngine.start(NoctuaServer.sparkProperties(config));
            NoctuaServer server = NoctuaServer.start(config, engine);
            engine.awaitReady(Duration.ofMinutes(3));
            System.out.printf("in-process server on %s, Spark %s on %s ready in %d ms%n%n", server.endpoint(), engine.version(),
                    engine.master(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
            return new InProcess(dataDir, config, engine, server);
        }

        int port() {
            return server.port();
        }

        @Override
        public void close() {
            server.close();
            referenceWorkers.close();
            engine.close();
            deleteTree(dataDir);
        }
    }

    /** Milliseconds between two of the API's timestamps (epoch seconds with a millisecond fraction). */
    static double apiMillisBetween(String fromEpochSeconds, String toEpochSeconds) {
        return new java.math.BigDecimal(toEpochSeconds).subtract(new java.math.BigDecimal(fromEpochSeconds))
                .movePointRight(3).doubleValue();
    }

    static String now() {
        return Instant.now().toString();
    }

    static void result(String benchmark, String metric, String value) {
        System.out.printf("RESULT %s %-40s %s%n", benchmark, metric, value);
    }

    static String join(List<String> parts) {
        return String.join(" ", parts);
    }
}
