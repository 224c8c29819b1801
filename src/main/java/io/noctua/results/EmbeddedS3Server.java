package io.noctua.results;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * The embedded S3-compatible store: s3proxy with its filesystem backend over the results directory
 * ({@code bucket/key} on disk is the object {@code s3://bucket/key}), on loopback, checking SigV4
 * with its own credentials. It runs as its own process, because its libraries clash with Spark's,
 * and it ends when this process ends, even on {@code kill -9} (see S3ProxyLauncher.java).
 */
public final class EmbeddedS3Server implements AutoCloseable {
    private final Process process;
    private final String endpoint;

    private EmbeddedS3Server(Process process, String endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    /**
     * Starts s3proxy from {@code jar} serving {@code root} on {@code host:port} (0: a free port) and
     * waits until it answers.
     */
    public static EmbeddedS3Server start(Path jar, Path root, Path workDir, String host, int port, String accessKeyId, String secretAccessKey) {
        try {
            Files.createDirectories(root);
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot create " + root + ": " + e.getMessage(), e);
        }
        return start(jar, List.of("jclouds.provider=filesystem", "jclouds.filesystem.basedir=" + root.toAbsolutePath()), workDir, host, port,
                accessKeyId, secretAccessKey);
    }

    /** Starts s3proxy keeping objects in its memory only: real S3 semantics, nothing kept; for tests. */
    public static EmbeddedS3Server startInMemory(Path jar, Path workDir, String host, int port, String accessKeyId, String secretAccessKey) {
        return start(jar, List.of("jclouds.provider=transient"), workDir, host, port, accessKeyId, secretAccessKey);
    }

    private static EmbeddedS3Server start(Path jar, List<String> backend, Path workDir, String host, int port, String accessKeyId,
                                          String secretAccessKey) {
        requireNonNull(jar, "jar is null");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the embedded S3 store needs " + jar + " (built by 'mvn package' or './noctua'); "
                    + "or set s3.embedded=false");
        }
        try {
            Files.createDirectories(workDir);
            int chosen = port == 0 ? freePort(host) : port;
            String endpoint = "http://" + host + ":" + chosen;
            Path properties = workDir.resolve("s3proxy.properties");
            List<String> lines = new java.util.ArrayList<>(List.of(
                    "s3proxy.endpoint=" + endpoint,
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + accessKeyId,
                    "s3proxy.credential=" + secretAccessKey));
            lines.addAll(backend);
            Files.write(properties, lines);
            Path launcher = workDir.resolve("S3ProxyLauncher.java");
            try (InputStream in = EmbeddedS3Server.class.getResourceAsStream("S3ProxyLauncher.java")) {
                Files.copy(requireNonNull(in, "S3ProxyLauncher.java is missing from the classpath"), launcher, StandardCopyOption.REPLACE_EXISTING);
            }
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            Process process = new ProcessBuilder(List.of(java.toString(), "-Xmx256m", "-cp", jar.toString(), launcher.toString(),
                    "--properties", properties.toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(workDir.resolve("s3proxy.log").toFile())
                    .start();
            awaitListening(process, host, chosen, workDir.resolve("s3proxy.log"));
            return new EmbeddedS3Server(process, endpoint);
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded S3 store: " + e.getMessage(), e);
        }
    }

    /** Maven copies s3proxy to target/s3proxy/, beside target/classes and target/noctua.jar. */
    public static Path bundledJar() {
        try {
            Path code = Path.of(EmbeddedS3Server.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return code.getParent().resolve("s3proxy").resolve("s3proxy.jar");
        }
        catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate Noctua's own classes", e);
        }
    }

    /** A port free on {@code host} now, for a store whose address must be known before it starts. */
    public static int freePort(String host) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(host, 0));
            return socket.getLocalPort();
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + host + ": " + e.getMessage(), e);
        }
    }

    private static void awaitListening(Process process, String host, int port, Path log) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the embedded S3 store exited with code " + process.exitValue() + "; its log: " + log);
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), 200);
                return;
            }
            catch (IOException notYet) {
                try {
                    Thread.sleep(100);
                }
                catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while the embedded S3 store started", e);
                }
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("the embedded S3 store did not listen on " + host + ":" + port + " within 90 s; its log: " + log);
    }

    public String endpoint() {
        return endpoint;
    }

    /** Closes its input, which ends it; kills it if it lingers. */
    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        catch (IOException e) {
            process.destroyForcibly();
        }
        catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
