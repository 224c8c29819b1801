package io.noctua.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for the tests, from the machine's own binaries (Debian's
 * {@code /usr/lib/postgresql/VERSION/bin}), installed with tools/install-postgresql.sh when missing.
 * One server per test JVM, started on first use on a free loopback port with its data directory in a
 * temporary directory, and stopped at exit. PostgreSQL refuses to run as root: when the tests do, the
 * server runs as the {@code postgres} user. TCP connections need a password (SCRAM), so that the
 * store's user and password settings are really used.
 * <p>
 * {@link #missing()} says why there is no PostgreSQL (the tests skip with that reason), null when
 * there is one. {@link #newDatabase()} gives every caller a database of its own.
 */
public final class TestingPostgres {
    public static final String USER = "postgres";
    public static final String PASSWORD = "noctua-test-secret";

    private static TestingPostgres shared;
    private static String missing;
    private static boolean tried;

    private final Path directory;
    private final Path bin;
    private final int port;
    private final boolean asPostgresUser;
    private final AtomicInteger databases = new AtomicInteger();

    private TestingPostgres(Path directory, Path bin, int port, boolean asPostgresUser) {
        this.directory = directory;
        this.bin = bin;
        this.port = port;
        this.asPostgresUser = asPostgresUser;
    }

    /** Why PostgreSQL cannot be used here, or null when {@link #shared()} gives a running server. */
    public static synchronized String missing() {
        if (!tried) {
            tried = true;
            try {
                shared = start();
            }
            catch (Exception e) {
                missing = "no PostgreSQL for the tests: " + e.getMessage();
                System.out.println(missing);
            }
        }
        return missing;
    }

    /** The server of this JVM; started on first call. Call {@link #missing()} first to skip when there is none. */
    public static synchronized TestingPostgres shared() {
        String why = missing();
        if (why != null) {
            throw new IllegalStateException(why);
        }
        return shared;
    }

    public int port() {
        return port;
    }

    /** A new, empty database: its JDBC URL, without credentials (they are {@link #USER} and {@link #PASSWORD}). */
    public String newDatabase() {
        String name = "noctua_test_" + databases.incrementAndGet();
        try (Connection connection = connect("postgres"); Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        }
        catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + ": " + e.getMessage(), e);
        }
        return url(name);
    }

    public String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** A connection of the test's own (as the superuser) to {@code database}. */
    public Connection connect(String database) throws SQLException {
        Properties credentials = new Properties();
        credentials.setProperty("user", USER);
        credentials.setProperty("password", PASSWORD);
        return DriverManager.getConnection(url(database), credentials);
    }

    private static TestingPostgres start() throws Exception {
        Path bin = binaries();
        if (bin == null) {
            install();
            bin = binaries();
            if (bin == null) {
                throw new IllegalStateException("tools/install-postgresql.sh ran, yet no /usr/lib/postgresql/*/bin/initdb is there");
            }
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        Path directory = Files.createTempDirectory("noctua-postgres-");
        Path data = directory.resolve("data");
        Path passwordFile = directory.resolve("password");
        Files.writeString(passwordFile, PASSWORD + "\n", StandardCharsets.UTF_8);
        if (root) {
            run(directory, List.of("chown", "-R", USER + ":", directory.toString()), false);
        }
        int port = freePort();
        TestingPostgres postgres = new TestingPostgres(directory, bin, port, root);
        postgres.run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", USER, "--pwfile=" + passwordFile,
                "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"));
        Runtime.getRuntime().addShutdownHook(new Thread(postgres::stop));
        postgres.run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", directory.resolve("server.log").toString(),
                "-w", "-t", "60", "-o", "-p " + port + " -k " + directory + " -c listen_addresses=127.0.0.1 -c fsync=off "
                        + "-c synchronous_commit=off -c full_page_writes=off", "start"));
        return postgres;
    }

    private void stop() {
        try {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", directory.resolve("data").toString(), "-m", "immediate", "-w", "stop"));
        }
        catch (Exception e) {
            System.out.println("stopping the tests' PostgreSQL failed: " + e.getMessage());
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (IOException e) {
            // a temporary directory; left behind at worst
        }
    }

    /** The newest PostgreSQL of the machine's {@code /usr/lib/postgresql/VERSION/bin}, or null. */
    private static Path binaries() throws IOException {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(version -> version.resolve("bin"))
                    .filter(bin -> Files.isExecutable(bin.resolve("initdb")) && Files.isExecutable(bin.resolve("pg_ctl")))
                    .max(Comparator.comparing(bin -> versionNumber(bin.getParent().getFileName().toString())))
                    .orElse(null);
        }
    }

    private static int versionNumber(String name) {
        try {
            return Integer.parseInt(name);
        }
        catch (NumberFormatException e) {
            return 0;
        }
    }

    private static void install() throws Exception {
        Path script = Path.of("tools", "install-postgresql.sh").toAbsolutePath();
        Path log = Files.createTempFile("install-postgresql-", ".log");
        Process install = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!install.waitFor(10, TimeUnit.MINUTES)) {
            install.destroyForcibly();
            throw new IllegalStateException("installing postgresql took more than 10 minutes; see " + log);
        }
        if (install.exitValue() != 0) {
            throw new IllegalStateException(Files.readString(log).strip());
        }
    }

    private void run(List<String> command) throws Exception {
        run(directory, command, asPostgresUser);
    }

    /** Runs {@code command} to its end (as the postgres user if asked), failing with its output when it fails. */
    private static void run(Path directory, List<String> command, boolean asPostgresUser) throws Exception {
        List<String> full = new ArrayList<>();
        if (asPostgresUser) {
            full.addAll(List.of("runuser", "-u", USER, "--"));
        }
        full.addAll(command);
        Path output = Files.createTempFile("noctua-postgres-command-", ".log");
        try {
            Process process = new ProcessBuilder(full).directory(directory.toFile()).redirectErrorStream(true).redirectOutput(output.toFile())
                    .start();
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", full) + " took more than 2 minutes");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", full) + " failed (" + process.exitValue() + "): "
                        + Files.readString(output).strip());
            }
        }
        finally {
            Files.deleteIfExists(output);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
