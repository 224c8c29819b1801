package io.noctua.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Noctua server in its own process, started as a user starts it: {@code ./noctua serve} from the
 * repository root, on a free loopback port and a fresh data directory. Used when the load
 * generator is an outside program (wrk), so the server's JVM holds nothing but the server.
 */
final class ExternalServer implements AutoCloseable {
    final int port;
    final Path dataDir;
    final Path log;
    final Process process;

    private ExternalServer(int port, Path dataDir, Path log, Process process) {
        this.port = port;
        this.dataDir = dataDir;
        this.log = log;
        this.process = process;
    }

    /** Starts {@code ./noctua serve} with {@code javaOptions} in NOCTUA_JAVA_OPTS and waits until Spark is ready. */
    static ExternalServer start(String javaOptions) {
        return start(javaOptions, List.of(), Map.of());
    }

    /**
     * Starts {@code ./noctua serve ... extraArguments} (e.g. {@code --conf key=value}) with {@code javaOptions}
     * in NOCTUA_JAVA_OPTS and {@code environment} added to this process's environment (the server's child
     * processes, such as Python workers, inherit it), and waits until Spark is ready.
     */
    static ExternalServer start(String javaOptions, List<String> extraArguments, Map<String, String> environment) {
        return start(Path.of("."), javaOptions, extraArguments, environment);
    }

    /** The same, with the {@code ./noctua} of another built checkout (a build from before a change), run from its directory. */
    static ExternalServer start(Path checkout, String javaOptions, List<String> extraArguments, Map<String, String> environment) {
        Path dataDir = Bench.tempDir("noctua-bench-serve-");
        Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
        int port = Bench.freePort();
        List<String> command = new ArrayList<>(List.of("./noctua", "serve", "--port", Integer.toString(port), "--data-dir",
                dataDir.toString(), "--conf", "s3.port=0",
                // the machine's python3, as the benchmarks measured before the server built environments (and each run
                // has a fresh data directory, where a built environment would take minutes); extraArguments may override it
                "--conf", "python.executable=python3"));
        command.addAll(extraArguments);
        ProcessBuilder builder = new ProcessBuilder(command).directory(checkout.toFile());
        builder.environment().putAll(environment);
        builder.environment().put("NOCTUA_JAVA_OPTS", javaOptions);
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        long begin = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot run ./noctua serve (run the benchmark from the repository root)", e);
        }
        ExternalServer server = new ExternalServer(port, dataDir, log, process);
        long deadline = begin + TimeUnit.MINUTES.toNanos(3);
        while (true) {
            String output = server.output();
            if (output.contains(" is ready on ")) {
                break;
            }
            if (!process.isAlive() || System.nanoTime() > deadline) {
                server.close();
                throw new IllegalStateException("./noctua serve did not become ready; its output:\n" + output);
            }
            Bench.sleepMillis(100);
        }
        System.out.printf("server process: ./noctua serve --port %d%s (pid %d, NOCTUA_JAVA_OPTS='%s'%s), ready in %d ms%n%n", port,
                extraArguments.isEmpty() ? "" : " " + String.join(" ", extraArguments), process.pid(), javaOptions,
                environment.isEmpty() ? "" : ", environment " + environment, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
        return server;
    }

    String output() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        }
        catch (IOException e) {
            return "";
        }
    }

    long pid() {
        return process.pid();
    }

    /**
     * The server's JVM: the started process itself when {@code ./noctua} exec'd java (it does when its
     * class-data archive exists), else its java child (the first {@code serve} after a build runs java
     * in the background while it records the archive).
     */
    long jvmPid() {
        long pid = process.pid();
        if (ProcessInfo.executable(pid).endsWith("/java")) {
            return pid;
        }
        for (long child : ProcessInfo.children(pid)) {
            if (ProcessInfo.executable(child).endsWith("/java")) {
                return child;
            }
        }
        return pid;
    }

    /** Stops the server as Ctrl-C would (SIGTERM runs its shutdown hook), then removes its data. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        Bench.deleteTree(dataDir);
        try {
            Files.deleteIfExists(log);
        }
        catch (IOException ignored) {
            // a log file in the temporary directory
        }
    }
}
