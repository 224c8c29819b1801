package io.noctua.testing;

import org.apache.hadoop.hive.conf.HiveConf;
import org.apache.hadoop.hive.metastore.HiveMetaStoreClient;
import org.apache.hadoop.hive.metastore.api.Database;
import org.apache.hadoop.hive.metastore.api.FieldSchema;
import org.apache.hadoop.hive.metastore.api.Partition;
import org.apache.hadoop.hive.metastore.api.SerDeInfo;
import org.apache.hadoop.hive.metastore.api.StorageDescriptor;
import org.apache.hadoop.hive.metastore.api.Table;
import org.apache.thrift.TException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Hive metastore (Hive 2.3.9's {@code HiveMetaStore}, the Thrift server a user runs with
 * {@code hive --service metastore}, started by {@link ThriftMetastoreMain}, which adds the lock tables schematool would
 * make) in a JVM of its own, on the test class path, on a free port, with its Derby database, warehouse, {@code derby.log} and log ({@code metastore.log}) under the directory given to
 * {@link #start}. Not in the test JVM: that one runs Spark's embedded Derby metastore, and Hive's ObjectStore
 * keeps its PersistenceManagerFactory in a static field, so a second metastore there would share and fight it.
 * <p>
 * {@link #client()} gives a new Thrift client each call; the helpers ({@link #createDatabase},
 * {@link #createTable}, {@link #addPartition}) open one of their own and close it. {@link #close()} stops the
 * JVM, as does JVM exit for a metastore a test forgot to close.
 */
public final class ThriftMetastore implements AutoCloseable {
    private static final long START_SECONDS = 60;
    private static final long STOP_SECONDS = 15;
    private static final int PORT_ATTEMPTS = 3;
    private static final String LOG = "metastore.log";
    /**
     * Hive's own log setup (when {@code log4j.configurationFile} is unset) asks for log4j's asynchronous loggers,
     * whose LMAX disruptor is not on the class path: the metastore would die at its first line. It logs with this
     * instead: its start and stop, and warnings and errors.
     */
    private static final String LOG4J = """
            rootLogger.level = warn
            rootLogger.appenderRef.out.ref = out
            appender.out.type = Console
            appender.out.name = out
            appender.out.target = SYSTEM_OUT
            appender.out.layout.type = PatternLayout
            appender.out.layout.pattern = %d{HH:mm:ss.SSS} %p %c{1}: %m%n%ex
            logger.metastore.name = org.apache.hadoop.hive.metastore.HiveMetaStore
            logger.metastore.level = info
            """;

    private final Path directory;
    private final Process process;
    private final int port;
    private final Thread stopAtExit;

    private ThriftMetastore(Path directory, Process process, int port) {
        this.directory = directory;
        this.process = process;
        this.port = port;
        this.stopAtExit = new Thread(this::stop, "stop-thrift-metastore-" + port);
        Runtime.getRuntime().addShutdownHook(stopAtExit);
    }

    /**
     * A metastore on the Derby database {@code directory/metastore_db} (made when missing: a metastore started again on
     * the same directory finds what the last one kept), its warehouse {@code directory/warehouse}.
     */
    public static ThriftMetastore start(Path directory) {
        return start(directory, Map.of());
    }

    /**
     * As {@link #start(Path)}, with {@code settings} given to the metastore as {@code --hiveconf key=value} (after, so
     * over, the fixture's own): for instance the Hadoop {@code fs.*} settings of a file system the metastore must reach,
     * as it makes the directories of the databases, tables and partitions it creates and lists their files.
     */
    public static ThriftMetastore start(Path directory, Map<String, String> settings) {
        try {
            Files.createDirectories(directory);
            Files.writeString(directory.resolve("log4j2.properties"), LOG4J, StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + directory, e);
        }
        for (int attempt = 1; ; attempt++) {
            int port = freePort();
            ThriftMetastore metastore = new ThriftMetastore(directory, launch(directory, port, settings), port);
            try {
                metastore.awaitReady();
                return metastore;
            }
            catch (RuntimeException e) {
                metastore.close();
                // the port was free when chosen, and taken by another process before the metastore bound it
                if (attempt < PORT_ATTEMPTS && metastore.log().contains("java.net.BindException")) {
                    continue;
                }
                throw e;
            }
        }
    }

    /** {@code thrift://127.0.0.1:PORT}: the value of {@code hive.metastore.uris} for a client of this metastore. */
    public String uri() {
        return "thrift://127.0.0.1:" + port;
    }

    /** The metastore JVM's process id. */
    public long pid() {
        return process.pid();
    }

    /** What the metastore JVM has printed so far. */
    public String log() {
        try {
            return Files.readString(directory.resolve(LOG), StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            return "";
        }
    }

    /** A new client connected to this metastore; the caller closes it (it is not AutoCloseable in Hive 2.3). */
    public HiveMetaStoreClient client() {
        try {
            return new HiveMetaStoreClient(clientConf(uri()));
        }
        catch (TException e) {
            throw new IllegalStateException("cannot connect to the metastore at " + uri() + ": " + e, e);
        }
    }

    /**
     * The settings of a client of the metastore at {@code uri}: the URI (without one a HiveMetaStoreClient silently
     * runs a metastore of its own in the calling JVM), and failures within seconds, not Hive's 10 minutes' socket timeout.
     */
    public static HiveConf clientConf(String uri) {
        HiveConf conf = new HiveConf();
        conf.setVar(HiveConf.ConfVars.METASTOREURIS, uri);
        conf.setIntVar(HiveConf.ConfVars.METASTORETHRIFTCONNECTIONRETRIES, 1);
        conf.setTimeVar(HiveConf.ConfVars.METASTORE_CLIENT_CONNECT_RETRY_DELAY, 1, TimeUnit.SECONDS);
        conf.setTimeVar(HiveConf.ConfVars.METASTORE_CLIENT_SOCKET_TIMEOUT, 30, TimeUnit.SECONDS);
        return conf;
    }

    /** {@code name1, type1, name2, type2, ...} (Hive type names: {@code bigint}, {@code array<string>}, ...) as columns. */
    public static List<FieldSchema> columns(String... namesAndTypes) {
        if (namesAndTypes.length % 2 != 0) {
            throw new IllegalArgumentException("columns come as name, type pairs: " + List.of(namesAndTypes));
        }
        List<FieldSchema> columns = new ArrayList<>();
        for (int i = 0; i < namesAndTypes.length; i += 2) {
            columns.add(new FieldSchema(namesAndTypes[i], namesAndTypes[i + 1], null));
        }
        return columns;
    }

    /** Creates database {@code name} at {@code locationUri} (a URI such as {@code file:/...}); gives it as the metastore keeps it. */
    public Database createDatabase(String name, String locationUri) {
        return call(client -> {
            client.createDatabase(new Database(name, null, locationUri, new HashMap<>()));
            return client.getDatabase(name);
        });
    }

    /**
     * Creates {@code database.table} as Athena's {@code CREATE EXTERNAL TABLE} would: an EXTERNAL_TABLE
     * ({@code EXTERNAL=TRUE}) with {@code columns}, partitioned by {@code partitionKeys} (empty for none), its data at
     * {@code location} in {@code format}. Gives the table as the metastore keeps it.
     */
    public Table createTable(String database, String table, List<FieldSchema> columns, List<FieldSchema> partitionKeys,
                             String location, StorageFormat format) {
        SerDeInfo serde = new SerDeInfo(null, format.serde(), new HashMap<>(format.serdeParameters()));
        StorageDescriptor storage = new StorageDescriptor(new ArrayList<>(columns), location, format.inputFormat(), format.outputFormat(),
                false, -1, serde, new ArrayList<>(), new ArrayList<>(), new HashMap<>());
        Map<String, String> parameters = new HashMap<>(Map.of("EXTERNAL", "TRUE"));
        Table created = new Table(table, database, System.getProperty("user.name"), now(), 0, 0, storage,
                new ArrayList<>(partitionKeys), parameters, null, null, "EXTERNAL_TABLE");
        return call(client -> {
            client.createTable(created);
            return client.getTable(database, table);
        });
    }

    /**
     * Adds the partition of {@code database.table} whose keys have {@code values} (in the order of the partition keys),
     * its data at {@code location}, stored as the table is. Gives the partition as the metastore keeps it.
     */
    public Partition addPartition(String database, String table, List<String> values, String location) {
        return call(client -> {
            StorageDescriptor storage = new StorageDescriptor(client.getTable(database, table).getSd());
            storage.setLocation(location);
            return client.add_partition(new Partition(new ArrayList<>(values), database, table, now(), 0, storage, new HashMap<>()));
        });
    }

    /** Stops the metastore JVM (SIGTERM, then SIGKILL if it lingers) and waits until it is gone. */
    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(stopAtExit);
        }
        catch (IllegalStateException e) {
            // the JVM is exiting: the hook runs, or ran, stop() itself
        }
    }

    /**
     * How a table's files are read and written: the SerDe, the input and output formats, and the SerDe's parameters,
     * as Hive's DDL (and Athena's) records them.
     */
    public record StorageFormat(String serde, String inputFormat, String outputFormat, Map<String, String> serdeParameters) {
        private static final String TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat";
        private static final String TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat";

        public static final StorageFormat PARQUET = new StorageFormat("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
                "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat", "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                Map.of("serialization.format", "1"));
        public static final StorageFormat ORC = new StorageFormat("org.apache.hadoop.hive.ql.io.orc.OrcSerde",
                "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat", "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat",
                Map.of("serialization.format", "1"));
        /** One JSON object a line: HCatalog's JsonSerDe, the one Athena's documentation uses. */
        public static final StorageFormat JSON = new StorageFormat("org.apache.hive.hcatalog.data.JsonSerDe", TEXT_INPUT, TEXT_OUTPUT,
                Map.of("serialization.format", "1"));
        /** Comma-separated text: {@link #text} with {@code ","}. */
        public static final StorageFormat TEXT = text(",");

        public StorageFormat {
            serdeParameters = Map.copyOf(serdeParameters);
        }

        /** Delimited text (LazySimpleSerDe, {@code ROW FORMAT DELIMITED FIELDS TERMINATED BY delimiter}). */
        public static StorageFormat text(String fieldDelimiter) {
            return new StorageFormat("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", TEXT_INPUT, TEXT_OUTPUT,
                    Map.of("field.delim", fieldDelimiter, "serialization.format", fieldDelimiter));
        }
    }

    private interface ClientCall<T> {
        T call(HiveMetaStoreClient client) throws TException;
    }

    private <T> T call(ClientCall<T> call) {
        HiveMetaStoreClient client = client();
        try {
            return call.call(client);
        }
        catch (TException e) {
            throw new IllegalStateException("the metastore at " + uri() + " refused: " + e, e);
        }
        finally {
            client.close();
        }
    }

    private static Process launch(Path directory, int port, Map<String, String> settings) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        // the same opens as Spark's (pom.xml's spark.java.opens, which surefire hands on): DataNucleus and Hadoop reflect into java.base
        command.addAll(List.of(System.getProperty("noctua.test.jvm.opens", "").split(" ")));
        command.removeIf(String::isBlank);
        // a small heap, and a quick start rather than peak speed (as ServerProcess's JVMs)
        command.addAll(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UnlockDiagnosticVMOptions", "-XX:-BytecodeVerificationRemote"));
        command.add("-Dlog4j.configurationFile=" + directory.resolve("log4j2.properties"));
        command.add("-Dderby.system.home=" + directory);
        // surefire runs the tests from a manifest-only jar; this property is the class path that jar names
        command.addAll(List.of("-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))));
        command.add(ThriftMetastoreMain.class.getName());
        command.addAll(List.of("-p", Integer.toString(port)));
        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("javax.jdo.option.ConnectionURL", "jdbc:derby:;databaseName=" + directory.resolve("metastore_db") + ";create=true");
        conf.put("datanucleus.schema.autoCreateAll", "true");
        conf.put("hive.metastore.schema.verification", "false");
        conf.put("hive.metastore.warehouse.dir", directory.resolve("warehouse").toUri().toString());
        conf.putAll(settings);
        conf.forEach((key, value) -> command.addAll(List.of("--hiveconf", key + "=" + value)));
        try {
            return new ProcessBuilder(command)
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(directory.resolve(LOG).toFile())
                    .start();
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /** Waits until the metastore lists its databases; fails with the end of its log if it exits or takes a minute. */
    private void awaitReady() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
        // printed once the metastore's database is ready and it holds its port: until then whatever answers on the port
        // (another process that took it since freePort) is not this metastore
        String bound = "Started the new metaserver on port [" + port + "]";
        String lastFailure = "";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the Hive metastore exited (" + process.exitValue() + ") before it answered at "
                        + uri() + "; the end of " + directory.resolve(LOG) + ":\n" + logTail());
            }
            if (log().contains(bound)) {
                try {
                    HiveConf conf = clientConf(uri());
                    conf.setTimeVar(HiveConf.ConfVars.METASTORE_CLIENT_SOCKET_TIMEOUT, 5, TimeUnit.SECONDS);
                    HiveMetaStoreClient client = new HiveMetaStoreClient(conf);
                    try {
                        client.getAllDatabases();
                        return;
                    }
                    finally {
                        client.close();
                    }
                }
                catch (TException | RuntimeException e) {
                    lastFailure = e.toString();
                }
            }
            Athena.sleep(100);
        }
        throw new IllegalStateException("the Hive metastore did not answer at " + uri() + " within " + START_SECONDS + " s ("
                + (lastFailure.isEmpty() ? "it did not start its Thrift server" : lastFailure) + "); the end of "
                + directory.resolve(LOG) + ":\n" + logTail());
    }

    /** The last 40 lines of the log, each cut to 400 characters (the start message prints the whole class path). */
    private String logTail() {
        List<String> lines = log().lines().map(line -> line.length() > 400 ? line.substring(0, 400) + "..." : line).toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private void stop() {
        try {
            process.destroy();
            if (!process.waitFor(STOP_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                if (!process.waitFor(STOP_SECONDS, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the Hive metastore (pid " + process.pid() + ") did not exit after SIGKILL");
                }
            }
        }
        catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
        catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    private static int now() {
        return (int) (System.currentTimeMillis() / 1000);
    }
}
