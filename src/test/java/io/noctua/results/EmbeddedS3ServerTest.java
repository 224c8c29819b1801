package io.noctua.results;

import io.noctua.testing.TestingS3;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded S3 store as a process: its start, its port, its supervision and its launcher. */
class EmbeddedS3ServerTest {
    private static final String HOST = "127.0.0.1";
    private static final String KEY_ID = "embedded-test-key";
    private static final String SECRET = "embedded-test-secret";

    @Test
    void aTakenPortFailsTheStartNamingThePort() throws Exception {
        Path work = TestingServer.temporaryDirectory("noctua-s3-taken-");
        // another program on the store's address, or on all addresses
        for (String otherHost : List.of(HOST, "0.0.0.0")) {
            try (ServerSocket other = new ServerSocket()) {
                other.bind(new InetSocketAddress(otherHost, 0));
                int port = other.getLocalPort();
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> EmbeddedS3Server.start(EmbeddedS3Server.bundledJar(),
                        work.resolve("root"), work.resolve("s3proxy"), HOST, port, KEY_ID, SECRET));
                assertTrue(e.getMessage().contains(HOST + ":" + port) && e.getMessage().contains("s3.port"), e.getMessage());
                assertTrue(s3proxyProcesses(work).isEmpty(), "no store was left running: " + s3proxyProcesses(work));
            }
        }
    }

    @Test
    void aServerWhoseS3PortIsTakenFailsToStartNamingThePort() throws Exception {
        try (ServerSocket other = new ServerSocket()) {
            other.bind(new InetSocketAddress(HOST, 0));
            int port = other.getLocalPort();
            Path dataDir = TestingServer.temporaryDirectory("noctua-s3-taken-server-");
            RuntimeException e = assertThrows(RuntimeException.class,
                    () -> TestingServer.start(dataDir, Map.of("s3.embedded", "true", "s3.port", Integer.toString(port))).close());
            assertTrue(e.getMessage().contains(":" + port) && e.getMessage().contains("s3.port"), e.getMessage());
        }
    }

    @Test
    void aKilledStoreIsRestartedOnItsPortAndServesItsObjectsAgain() throws Exception {
        Path work = TestingServer.temporaryDirectory("noctua-s3-kill-");
        Records records = new Records();
        Logger logger = Logger.getLogger(EmbeddedS3Server.class.getName());
        logger.addHandler(records);
        long lastPid;
        try (EmbeddedS3Server server = EmbeddedS3Server.start(EmbeddedS3Server.bundledJar(), work.resolve("root"), work.resolve("s3proxy"),
                HOST, 0, KEY_ID, SECRET);
             S3Client client = TestingS3.client(URI.create(server.endpoint()), KEY_ID, SECRET)) {
            client.createBucket(r -> r.bucket("kept"));
            client.putObject(r -> r.bucket("kept").key("a/b.txt"), RequestBody.fromString("still here"));
            assertEquals("still here", TestingS3.read(client, "s3://kept/a/b.txt"));

            long pid = server.pid();
            assertEquals(List.of(pid), s3proxyProcesses(work));
            ProcessHandle killed = ProcessHandle.of(pid).orElseThrow();
            // SIGKILL, as kill -9
            assertTrue(killed.destroyForcibly());
            killed.onExit().get(10, TimeUnit.SECONDS);
            long killedAt = System.nanoTime();

            String read = null;
            try (S3Client fresh = TestingS3.client(URI.create(server.endpoint()), KEY_ID, SECRET)) {
                while (read == null && System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(30)) {
                    try {
                        read = TestingS3.read(fresh, "s3://kept/a/b.txt");
                    }
                    catch (RuntimeException notYet) {
                        Thread.sleep(50);
                    }
                }
            }
            long backMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            System.out.println("the killed embedded S3 store served again after " + backMillis + " ms");
            assertEquals("still here", read, "served again within 30 s of the kill");
            assertEquals(1, server.restarts());
            lastPid = server.pid();
            assertNotEquals(pid, lastPid);
            assertEquals(List.of(lastPid), s3proxyProcesses(work));
            assertTrue(records.contains(Level.WARNING, "(pid " + pid + ") ended with exit code"), records.toString());
            assertTrue(records.contains(Level.INFO, "is back on " + server.endpoint()), records.toString());
            // the log is appended to, not started again
            String log = Files.readString(work.resolve("s3proxy").resolve("s3proxy.log"));
            assertEquals(2, log.split("Noctua starts s3proxy on " + server.endpoint(), -1).length - 1, log);
        }
        finally {
            logger.removeHandler(records);
        }
        // closed: its process ends and is not started again
        ProcessHandle.of(lastPid).ifPresent(last -> last.onExit().join());
        Thread.sleep(500);
        assertTrue(s3proxyProcesses(work).isEmpty(), s3proxyProcesses(work).toString());
    }

    @Test
    void theLauncherIsACompiledClassAloneOnS3ProxysClassPath() throws Exception {
        Path work = TestingServer.temporaryDirectory("noctua-s3-launcher-");
        List<String> command = List.of();
        long[] millis = new long[3];
        for (int i = 0; i < millis.length; i++) {
            long start = System.nanoTime();
            try (EmbeddedS3Server server = EmbeddedS3Server.startInMemory(EmbeddedS3Server.bundledJar(), work, HOST, 0, KEY_ID, SECRET)) {
                millis[i] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                command = server.command();
            }
        }
        System.out.println("the embedded S3 store started in " + Arrays.toString(millis) + " ms");

        assertTrue(command.stream().noneMatch(argument -> argument.endsWith(".java")), command.toString());
        try (Stream<Path> files = Files.walk(work)) {
            assertTrue(files.noneMatch(file -> file.toString().endsWith(".java")), "no source is written");
        }
        Path launcherDir = work.resolve("launcher");
        assertEquals(List.of("-cp", EmbeddedS3Server.bundledJar() + File.pathSeparator + launcherDir, S3ProxyLauncher.class.getName()),
                command.subList(command.indexOf("-cp"), command.indexOf("-cp") + 3));
        try (Stream<Path> files = Files.walk(launcherDir)) {
            assertEquals(List.of(launcherDir.resolve("io/noctua/results/S3ProxyLauncher.class")), files.filter(Files::isRegularFile).toList());
        }

        // the same command on a Java runtime without its compiler (no jdk.compiler module)
        Path ready = Path.of(command.get(command.indexOf(S3ProxyLauncher.class.getName()) + 1));
        Files.deleteIfExists(ready);
        List<String> withoutCompiler = new ArrayList<>(command);
        withoutCompiler.addAll(1, List.of("--limit-modules", "java.se"));
        int port = URI.create(Files.readAllLines(work.resolve("s3proxy.properties")).get(0).substring("s3proxy.endpoint=".length())).getPort();
        Process process = new ProcessBuilder(withoutCompiler).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("s3proxy.log").toFile())).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(Files.exists(ready) && Files.readString(ready).equals(Long.toString(process.pid())))) {
                assertTrue(process.isAlive() && System.nanoTime() < deadline, () -> "not ready: " + tail(work.resolve("s3proxy.log")));
                Thread.sleep(50);
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(HOST, port), 1000);
            }
            // the end of its input, as when Noctua ends, ends it
            process.getOutputStream().close();
            assertTrue(process.waitFor(10, TimeUnit.SECONDS));
            assertEquals(0, process.exitValue());
        }
        finally {
            process.destroyForcibly();
        }
    }

    @Test
    void theStoreEndsWhenItsServerIsKilled() throws Exception {
        Path work = TestingServer.temporaryDirectory("noctua-s3-orphan-");
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process owner = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m", "-cp", classPath,
                Owner.class.getName(), work.toString())
                .redirectErrorStream(true)
                .start();
        try {
            BufferedReader output = new BufferedReader(new InputStreamReader(owner.getInputStream(), StandardCharsets.UTF_8));
            String line;
            long pid = -1;
            while ((line = output.readLine()) != null) {
                if (line.startsWith("s3proxy pid ")) {
                    pid = Long.parseLong(line.substring("s3proxy pid ".length()));
                    break;
                }
            }
            assertTrue(pid > 0, "the owner printed the store's pid");
            ProcessHandle store = ProcessHandle.of(pid).orElseThrow();
            owner.destroyForcibly(); // SIGKILL
            assertTrue(owner.waitFor(10, TimeUnit.SECONDS));
            store.onExit().get(10, TimeUnit.SECONDS);
            assertFalse(store.isAlive());
        }
        finally {
            owner.destroyForcibly();
        }
    }

    @Test
    void repeatedFailuresBackOffUpToAMinute() {
        assertEquals(List.of(0L, 1000L, 2000L, 4000L, 8000L, 16000L, 32000L, 60000L, 60000L, 60000L),
                Stream.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 100).map(EmbeddedS3Server::backoffMillis).toList());
    }

    /** A process owning an embedded store, to be killed. */
    static final class Owner {
        public static void main(String[] args) throws Exception {
            Path work = Path.of(args[0]);
            EmbeddedS3Server server = EmbeddedS3Server.startInMemory(EmbeddedS3Server.bundledJar(), work, HOST, 0, KEY_ID, SECRET);
            System.out.println("s3proxy pid " + server.pid());
            System.out.flush();
            Thread.sleep(TimeUnit.MINUTES.toMillis(5));
        }
    }

    /** The s3proxy processes this JVM started with their files in {@code work}. */
    private static List<Long> s3proxyProcesses(Path work) {
        return ProcessHandle.current().descendants()
                .filter(process -> {
                    List<String> arguments = process.info().arguments().map(List::of).orElse(List.of());
                    return arguments.contains(S3ProxyLauncher.class.getName()) && arguments.stream().anyMatch(argument -> argument.startsWith(work.toString()));
                })
                .map(ProcessHandle::pid)
                .toList();
    }

    private static String tail(Path log) {
        try {
            String text = Files.readString(log);
            return text.substring(Math.max(0, text.length() - 2000));
        }
        catch (IOException e) {
            return e.toString();
        }
    }

    private static final class Records extends Handler {
        private final List<LogRecord> records = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        boolean contains(Level level, String text) {
            synchronized (records) {
                return records.stream().anyMatch(record -> record.getLevel().equals(level) && record.getMessage().contains(text));
            }
        }

        @Override
        public String toString() {
            synchronized (records) {
                return records.stream().map(record -> record.getLevel() + " " + record.getMessage()).toList().toString();
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
