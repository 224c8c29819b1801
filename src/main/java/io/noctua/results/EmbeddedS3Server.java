package io.noctua.results;

import io.noctua.concurrent.Threads;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * The embedded S3-compatible store: s3proxy with its filesystem backend over the results directory
 * ({@code bucket/key} on disk is the object {@code s3://bucket/key}), on loopback, checking SigV4
 * with its own credentials. It runs as its own process, because its libraries clash with Spark's,
 * and it ends when this process ends, even on {@code kill -9} (see {@link S3ProxyLauncher}).
 * <p>
 * The process's class path is s3proxy's jar and a directory holding only the launcher's class file,
 * copied there from Noctua's own classes at start: nothing of Noctua's or Spark's, and no compiler.
 * <p>
 * It is supervised: if the process ends while this object is open, it is started again on the same
 * port, at once the first time, then after 1, 2, 4... up to 60 seconds while it keeps ending within a
 * minute. Each start is appended to {@code s3proxy.log} in the work directory, which is moved to
 * {@code s3proxy.log.1} when a server starts with it over 10 MB.
 */
public final class EmbeddedS3Server implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EmbeddedS3Server.class.getName());
    private static final long START_TIMEOUT_SECONDS = 90;
    /** A process that served this long before it ended is restarted at once. */
    private static final long STABLE_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final long MAX_BACKOFF_MILLIS = 60_000;
    private static final long LOG_ROLL_BYTES = 10L << 20;

    private final String host;
    private final int port;
    private final String endpoint;
    private final List<String> command;
    private final Path log;
    private final Path ready;
    private final Object lock = new Object();
    private Process process; // guarded by lock
    private boolean closed; // guarded by lock
    private int restarts; // guarded by lock
    private final Thread supervisor;

    private EmbeddedS3Server(String host, int port, List<String> command, Path log, Path ready) {
        this.host = host;
        this.port = port;
        this.endpoint = "http://" + host + ":" + port;
        this.command = List.copyOf(command);
        this.log = log;
        this.ready = ready;
        this.supervisor = Threads.daemon("s3proxy-supervisor", this::supervise);
    }

    /**
     * Starts s3proxy from {@code jar} serving {@code root} on {@code host:port} (0: a free port),
     * waits until it answers, and keeps it running until {@link #close()}. Fails, naming the port,
     * when another program listens there.
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
            Path launcherDir = installLauncher(workDir.resolve("launcher"));
            Path log = workDir.resolve("s3proxy.log");
            if (Files.isRegularFile(log) && Files.size(log) > LOG_ROLL_BYTES) {
                Files.move(log, log.resolveSibling("s3proxy.log.1"), StandardCopyOption.REPLACE_EXISTING);
            }
            Path properties = workDir.resolve("s3proxy.properties");
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            Path ready = workDir.resolve("s3proxy.ready");
            List<String> command = List.of(java.toString(), "-Xmx256m", "-cp", jar + File.pathSeparator + launcherDir,
                    S3ProxyLauncher.class.getName(), ready.toString(), "--properties", properties.toString());
            // a free port can be taken before s3proxy binds it; another is picked then
            for (int attempt = 1; ; attempt++) {
                int chosen = port == 0 ? freePort(host) : port;
                List<String> lines = new ArrayList<>(List.of(
                        "s3proxy.endpoint=http://" + host + ":" + chosen,
                        "s3proxy.authorization=aws-v2-or-v4",
                        "s3proxy.identity=" + accessKeyId,
                        "s3proxy.credential=" + secretAccessKey));
                lines.addAll(backend);
                Files.write(properties, lines);
                EmbeddedS3Server server = new EmbeddedS3Server(host, chosen, command, log, ready);
                try {
                    server.startSupervised();
                }
                catch (PortInUseException e) {
                    if (port != 0 || attempt >= 3) {
                        throw e;
                    }
                    continue;
                }
                catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while the embedded S3 store started", e);
                }
                return server;
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded S3 store: " + e.getMessage(), e);
        }
    }

    /** Writes the launcher's class file, and nothing else, under {@code dir}: its class path entry. */
    private static Path installLauncher(Path dir) throws IOException {
        Path file = dir.resolve(S3ProxyLauncher.class.getName().replace('.', '/') + ".class");
        Files.createDirectories(file.getParent());
        Path written = file.resolveSibling(file.getFileName() + ".tmp");
        try (InputStream in = S3ProxyLauncher.class.getResourceAsStream(S3ProxyLauncher.class.getSimpleName() + ".class")) {
            Files.copy(requireNonNull(in, "S3ProxyLauncher.class is missing from Noctua's classes"), written, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(written, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return dir;
    }

    private void startSupervised() throws IOException, InterruptedException {
        Process first = awaitReady(spawn());
        synchronized (lock) {
            process = first;
        }
        supervisor.start();
    }

    /** A process started, and where its output begins in the log. */
    private record Launch(Process process, long logStart) {}

    /**
     * Starts the process once the port is seen free, so that another program listening there fails
     * the start instead of being taken for the store.
     */
    private Launch spawn() throws IOException {
        if (!isFree(host, port)) {
            throw new PortInUseException(host, port);
        }
        Files.deleteIfExists(ready);
        long logStart = Files.isRegularFile(log) ? Files.size(log) : 0;
        Files.writeString(log, "--- " + Instant.now() + " Noctua starts s3proxy on " + endpoint + System.lineSeparator(),
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        Process started = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        return new Launch(started, logStart);
    }

    /**
     * Waits until the launcher says s3proxy listens, writing its pid to the ready file; if s3proxy
     * ends instead (it cannot bind the port, say), or takes too long, kills it and fails.
     */
    private Process awaitReady(Launch launch) throws IOException, InterruptedException {
        Process started = launch.process();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
            String pid = Long.toString(started.pid());
            while (System.nanoTime() < deadline) {
                if (pid.equals(readReady())) {
                    return started;
                }
                if (!started.isAlive()) {
                    if (!isFree(host, port)) {
                        throw new PortInUseException(host, port);
                    }
                    throw new IllegalStateException("the embedded S3 store exited with code " + started.exitValue() + " while starting; "
                            + "its log " + log + " ends with: " + tail(launch.logStart()));
                }
                Thread.sleep(20);
            }
            throw new IllegalStateException("the embedded S3 store did not listen on " + host + ":" + port + " within "
                    + START_TIMEOUT_SECONDS + " s; its log: " + log);
        }
        catch (RuntimeException | IOException | InterruptedException e) {
            started.destroyForcibly();
            throw e;
        }
    }

    private String readReady() throws IOException {
        try {
            return Files.readString(ready).trim();
        }
        catch (NoSuchFileException notYet) {
            return null;
        }
    }

    /** The last lines written to the log since {@code from}, for a message. */
    private String tail(long from) {
        try (SeekableByteChannel channel = Files.newByteChannel(log)) {
            long start = Math.max(from, channel.size() - 2000);
            ByteBuffer buffer = ByteBuffer.allocate((int) (channel.size() - start));
            channel.position(start);
            while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
                // reads up to the end
            }
            return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).strip();
        }
        catch (IOException | RuntimeException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    /**
     * Waits for the process to end while this object is open, and starts it again: at once when it
     * had served a minute or more, else after a delay doubling up to a minute, so that a store that
     * keeps failing does not spin.
     */
    private void supervise() {
        Process current;
        synchronized (lock) {
            current = process;
        }
        long readyAt = System.nanoTime();
        int failures = 0;
        try {
            while (true) {
                int exitCode = current.waitFor();
                if (isClosed() || jvmShuttingDown()) {
                    return;
                }
                if (System.nanoTime() - readyAt >= STABLE_NANOS) {
                    failures = 0;
                }
                long delay = backoffMillis(failures);
                LOG.warning("the embedded S3 store on " + endpoint + " (pid " + current.pid() + ") ended with exit code " + exitCode
                        + "; restarting it" + (delay == 0 ? "" : " in " + delay / 1000 + " s") + "; its log: " + log);
                while (true) {
                    Thread.sleep(delay);
                    if (jvmShuttingDown()) {
                        return;
                    }
                    failures++;
                    long restartStart = System.nanoTime();
                    try {
                        current = relaunch();
                        if (current == null) {
                            return;
                        }
                        readyAt = System.nanoTime();
                        LOG.info("the embedded S3 store is back on " + endpoint + " (pid " + current.pid() + "), "
                                + TimeUnit.NANOSECONDS.toMillis(readyAt - restartStart) + " ms after its restart began");
                        break;
                    }
                    catch (IOException | RuntimeException e) {
                        if (isClosed()) {
                            return; // close() interrupted the start
                        }
                        delay = backoffMillis(failures);
                        LOG.warning("the embedded S3 store could not be restarted on " + endpoint + ": " + e.getMessage()
                                + "; next attempt in " + delay / 1000 + " s");
                    }
                }
            }
        }
        catch (InterruptedException e) {
            // closed
        }
    }

    /** How long to wait before the next start, after {@code failures} starts that did not last. */
    static long backoffMillis(int failures) {
        return failures == 0 ? 0 : Math.min(MAX_BACKOFF_MILLIS, 1000L << Math.min(failures - 1, 16));
    }

    /**
     * Starts the process again and waits until it is ready; null when closed. It is started under the
     * lock, so that close() sees, and stops, any process started.
     */
    private Process relaunch() throws IOException, InterruptedException {
        Launch launch;
        synchronized (lock) {
            if (closed) {
                return null;
            }
            launch = spawn();
            process = launch.process();
            restarts++;
        }
        return awaitReady(launch);
    }

    /**
     * Whether this JVM runs its shutdown hooks: then the store was likely sent the same signal (a
     * Ctrl-C reaches the terminal's whole process group, systemd stops the whole service), and is
     * not started again.
     */
    private static boolean jvmShuttingDown() {
        Thread probe = new Thread(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        }
        catch (IllegalStateException e) {
            return true;
        }
    }

    private boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    /** Whether nothing listens on {@code host:port} now, so that s3proxy can bind it. */
    private static boolean isFree(String host, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(host, port));
            return true;
        }
        catch (IOException e) {
            return false;
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

    public String endpoint() {
        return endpoint;
    }

    /** The pid of the store's current process (another one after a restart). */
    public long pid() {
        synchronized (lock) {
            return process.pid();
        }
    }

    /**
     * Whether the store answers on its port now: its process runs and accepts a connection (between
     * a crash and the restart it does not).
     */
    public boolean isServing() {
        Process current;
        synchronized (lock) {
            current = process;
        }
        if (current == null || !current.isAlive()) {
            return false;
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1_000);
            return true;
        }
        catch (IOException e) {
            return false;
        }
    }

    /** How many times the store was started again after its process ended. */
    int restarts() {
        synchronized (lock) {
            return restarts;
        }
    }

    /** The command that starts the store's process. */
    List<String> command() {
        return command;
    }

    /**
     * Stops supervising, then closes the process's input, which ends it; kills it if it lingers.
     */
    @Override
    public void close() {
        Process last;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            last = process;
        }
        supervisor.interrupt();
        try {
            try {
                last.getOutputStream().close();
            }
            catch (IOException e) {
                last.destroyForcibly();
            }
            if (!last.waitFor(5, TimeUnit.SECONDS)) {
                last.destroyForcibly();
            }
            supervisor.join(TimeUnit.SECONDS.toMillis(5));
        }
        catch (InterruptedException e) {
            last.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static final class PortInUseException extends IllegalStateException {
        PortInUseException(String host, int port) {
            super("the embedded S3 store cannot listen on " + host + ":" + port + ": another program already uses port " + port
                    + "; set s3.port to a free port, or to 0 to have one picked");
        }
    }
}
