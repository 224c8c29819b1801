package io.noctua.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Spark standalone cluster, one Master and one Worker (1 core), each a JVM of its own started from
 * this build's Maven dependencies: no Spark distribution is downloaded. On loopback, on free ports; one per
 * test run, killed when the JVM exits.
 * <p>
 * The Worker starts each executor as {@code java -cp $SPARK_HOME/jars/*}, so it gets a SPARK_HOME of its own
 * whose {@code jars/} links to the test class path's jars, and {@code SPARK_SCALA_VERSION=2.13} (without it the
 * Worker looks for a distribution's {@code launcher/target/scala-*} folder to tell the Scala version).
 */
public final class TestingSparkCluster {
    private static final long START_SECONDS = 90;
    private static TestingSparkCluster shared;

    private final String masterUrl;
    private final Path sparkHome;
    private final Process master;
    private final Process worker;

    private TestingSparkCluster(String masterUrl, Path sparkHome, Process master, Process worker) {
        this.masterUrl = masterUrl;
        this.sparkHome = sparkHome;
        this.master = master;
        this.worker = worker;
    }

    /** Started on first use (the Master, about 5 s; the Worker registers a few seconds later), stopped when the JVM exits. */
    public static synchronized TestingSparkCluster shared() {
        if (shared == null) {
            shared = start();
        }
        return shared;
    }

    /** {@code spark://127.0.0.1:PORT}. */
    public String masterUrl() {
        return masterUrl;
    }

    /** The SPARK_HOME the Worker runs executors from; its {@code work/} holds their logs. */
    public Path sparkHome() {
        return sparkHome;
    }

    /** The Spark settings a driver on this cluster takes: modest executors, as the Worker has 1 GiB. */
    public Map<String, String> driverSettings() {
        return Map.of(
                "spark.master", masterUrl,
                "spark.executor.memory", "768m",
                "spark.driver.host", "127.0.0.1",
                "spark.driver.bindAddress", "127.0.0.1");
    }

    private static TestingSparkCluster start() {
        Path home = TestingServer.temporaryDirectory("noctua-spark-home-");
        try {
            Path jars = Files.createDirectories(home.resolve("jars"));
            for (String entry : classPath().split(File.pathSeparator)) {
                Path jar = Path.of(entry);
                if (entry.endsWith(".jar") && Files.isRegularFile(jar) && !Files.exists(jars.resolve(jar.getFileName()))) {
                    Files.createSymbolicLink(jars.resolve(jar.getFileName()), jar.toAbsolutePath());
                }
            }
            Files.createDirectories(home.resolve("conf"));
            int port = freePort();
            String url = "spark://127.0.0.1:" + port;
            Process master = launch(home, "master", List.of("org.apache.spark.deploy.master.Master",
                    "--host", "127.0.0.1", "--port", Integer.toString(port), "--webui-port", Integer.toString(freePort())));
            Runtime.getRuntime().addShutdownHook(new Thread(master::destroyForcibly));
            awaitLog(master, home.resolve("master.log"), "I have been elected leader");
            Process worker = launch(home, "worker", List.of("org.apache.spark.deploy.worker.Worker",
                    "--host", "127.0.0.1", "--cores", "1", "--memory", "1g", "--webui-port", Integer.toString(freePort()),
                    "--work-dir", Files.createDirectories(home.resolve("work")).toString(), url));
            Runtime.getRuntime().addShutdownHook(new Thread(worker::destroyForcibly));
            // not waited for here: a driver may start meanwhile (the Master gives it executors once the Worker is there)
            return new TestingSparkCluster(url, home, master, worker);
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot start a Spark standalone cluster in " + home, e);
        }
    }

    private static String classPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    private static Process launch(Path home, String name, List<String> mainAndArgs) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(System.getProperty("noctua.test.jvm.opens", "").split(" ")));
        command.removeIf(String::isBlank);
        command.addAll(List.of("-Xmx256m", "-cp", home.resolve("jars") + File.separator + "*"));
        command.addAll(mainAndArgs);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(home.resolve(name + ".log").toFile());
        builder.environment().put("SPARK_HOME", home.toString());
        builder.environment().put("SPARK_SCALA_VERSION", "2.13");
        builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        builder.environment().remove("SPARK_CONF_DIR");
        return builder.start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void awaitLog(Process process, Path log, String line) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(line)) {
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError(log.getFileName() + ": the process exited:\n" + Files.readString(log));
            }
            Athena.sleep(100);
        }
        throw new AssertionError("no '" + line + "' within " + START_SECONDS + " s in " + log + ":\n" + Files.readString(log));
    }

    /** Waits until the Worker has registered with the Master; fails with its log if it exits or takes too long. */
    public void awaitWorker() {
        try {
            awaitLog(worker, sparkHome.resolve("worker.log"), "Successfully registered with master");
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
