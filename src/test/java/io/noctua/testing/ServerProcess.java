package io.noctua.testing;

import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.SessionState;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Noctua server in a JVM of its own ({@code noctua serve} on the test class path, embedded S3 store,
 * {@code local[1]} Spark), for tests that stop it as a user would: SIGTERM, or SIGKILL. What it prints
 * goes to {@code <dataDir>/server.log}, where {@link #awaitBanner} looks for its addresses.
 * {@link PostgresSuite} puts its store and catalog on PostgreSQL.
 */
public final class ServerProcess implements AutoCloseable {
    private static final long START_SECONDS = 120;
    private static final long STOP_SECONDS = 30;
    private static final long SPARK_START_SECONDS = 300;

    private final Path dataDir;
    private final Process process;

    private ServerProcess(Path dataDir, Process process) {
        this.dataDir = dataDir;
        this.process = process;
    }

    public static ServerProcess start(Path dataDir) {
        return start(dataDir, Map.of());
    }

    /** Starts a server on {@code dataDir}; each of {@code settings} is given as {@code --conf key=value}. */
    public static ServerProcess start(Path dataDir, Map<String, String> settings) {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return start(dataDir, settings, List.of("-cp", classPath, "io.noctua.Main"));
    }

    /**
     * Starts a server from {@code jar} ({@link LauncherJar}), as {@code ./noctua serve} runs one: the way for a
     * server whose classes must reach a cluster's executors (Noctua ships the jar its classes come from).
     */
    public static ServerProcess startFromJar(Path jar, Path dataDir, Map<String, String> settings) {
        return start(dataDir, settings, List.of("-jar", jar.toString()));
    }

    private static ServerProcess start(Path dataDir, Map<String, String> settings, List<String> main) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(System.getProperty("noctua.test.jvm.opens", "").split(" ")));
        command.removeIf(String::isBlank);
        command.add("-Xmx1g");
        // A test's server lives for seconds to a minute, most of it starting Spark: loading, verifying and compiling tens of
        // thousands of classes on two cores. Without the optimising compiler and the verification of the project's own
        // class path, Spark was ready in 13.7 s instead of 20.9 (medians of four starts, 2 cores); what the tests measure is
        // behaviour, not peak speed. Servers started by ./noctua keep the JVM's defaults.
        command.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UnlockDiagnosticVMOptions", "-XX:-BytecodeVerificationRemote"));
        command.addAll(main);
        command.addAll(List.of("serve", "--port", "0", "--data-dir", dataDir.toString(),
                "--spark-master", "local[1]", "--conf", "s3.port=0", "--conf", "python.executable=python3"));
        if (PostgresSuite.ENABLED && !settings.containsKey("store.url")) {
            PostgresSuite.storeAndMetastore(dataDir).forEach((key, value) -> command.addAll(List.of("--conf", key + "=" + value)));
        }
        settings.forEach((key, value) -> command.addAll(List.of("--conf", key + "=" + value)));
        try {
            return new ServerProcess(dataDir, new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dataDir.resolve("server.log").toFile())
                    .start());
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    public Process process() {
        return process;
    }

    public Path dataDir() {
        return dataDir;
    }

    public long pid() {
        return process.pid();
    }

    /** The Athena endpoint, once the server has printed it. */
    public URI endpoint() {
        return URI.create(awaitBanner("endpoint"));
    }

    /** The embedded S3 store's endpoint, once the server has printed it. */
    public URI s3Endpoint() {
        return URI.create(awaitBanner("s3"));
    }

    /** A client of {@link #endpoint}; the caller closes it. */
    public AthenaClient client() {
        return TestingServer.clientFor(endpoint());
    }

    /**
     * Starts a session and waits until it is IDLE. Spark starts after the banner, and a session
     * waits for it: on a busy machine that takes longer than the minute {@link Athena#startIdleSession} waits.
     */
    public String startIdleSession(AthenaClient client) {
        String sessionId = client.startSession(r -> r.workGroup(Athena.SPARK_WORK_GROUP).engineConfiguration(e -> e.maxConcurrentDpus(2)))
                .sessionId();
        Athena.await(() -> client.getSessionStatus(r -> r.sessionId(sessionId)).status().state() == SessionState.IDLE,
                "session " + sessionId + " to be IDLE", Duration.ofSeconds(SPARK_START_SECONDS));
        return sessionId;
    }

    /** The URL the banner prints on the line starting with {@code label}; fails if the server exits or takes two minutes. */
    public String awaitBanner(String label) {
        Path log = dataDir.resolve("server.log");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("server process exited: " + read(log));
            }
            for (String line : read(log).lines().toList()) {
                String[] words = line.trim().split("\\s+");
                if (words.length >= 2 && words[0].equals(label) && words[1].startsWith("http://")) {
                    return words[1];
                }
            }
            Athena.sleep(100);
        }
        throw new AssertionError("server did not print its " + label + ": " + read(log));
    }

    /** SIGKILL: no shutdown hook runs, as when the machine's OOM killer or {@code kill -9} ends it. Waits until it is gone. */
    public void kill() {
        process.destroyForcibly();
        awaitExit();
    }

    /** SIGTERM: the server shuts down as on Ctrl-C. Waits until it is gone. */
    public void stop() {
        process.destroy();
        awaitExit();
    }

    /** For a server expected to refuse to start: waits for its exit (two minutes at most) and gives its exit code. */
    public int exitCode() {
        try {
            if (!process.waitFor(START_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("server process " + process.pid() + " still runs after " + START_SECONDS + " s: " + log());
            }
            return process.exitValue();
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** What the server has printed so far. */
    public String log() {
        return read(dataDir.resolve("server.log"));
    }

    private void awaitExit() {
        try {
            if (!process.waitFor(STOP_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("server process " + process.pid() + " did not exit within " + STOP_SECONDS + " s");
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Kills a server still running (a test that failed half-way): never leaves one behind. */
    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        }
        catch (IOException e) {
            return "";
        }
    }
}
