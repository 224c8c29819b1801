package io.noctua.testing;

import io.noctua.NoctuaServer;
import io.noctua.config.NoctuaConfig;
import io.noctua.engine.HiveMetastore;
import io.noctua.engine.SparkEngine;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A real Noctua server on a free port with its own data directory, for end-to-end tests. All servers
 * of a test run share one Spark engine (Spark takes seconds to start) and one S3 store
 * ({@link TestingS3}); each has its own database. A test may ask for the embedded S3 store instead.
 * The engine's catalog is shared too: a table one test class makes is seen by all the others, so
 * each needs a name of its own. {@link PostgresSuite} puts the stores and the catalog on PostgreSQL.
 */
public final class TestingServer implements AutoCloseable {
    private static SparkEngine sharedEngine;

    private final Path dataDir;
    private final NoctuaServer server;
    private AthenaClient client;

    private TestingServer(Path dataDir, NoctuaServer server) {
        this.dataDir = dataDir;
        this.server = server;
    }

    /** The Spark engine shared by every server of this JVM; started on first use, stopped at exit. */
    public static synchronized SparkEngine sharedEngine() {
        if (sharedEngine == null) {
            Path warehouse = temporaryDirectory("noctua-warehouse-");
            Map<String, String> conf = new HashMap<>(TestingS3.shared().settings().sparkProperties());
            conf.putAll(PostgresSuite.ENABLED
                    ? HiveMetastore.sparkProperties(PostgresSuite.sharedMetastore())
                    : HiveMetastore.sparkProperties(warehouse.resolveSibling(warehouse.getFileName() + "-metastore")));
            conf.putAll(Map.of(
                    "spark.master", "local[2]",
                    // as a server runs it: on loopback, on a free port, behind Noctua's filter (SparkUi)
                    "spark.ui.enabled", "true",
                    "spark.sql.shuffle.partitions", "4",
                    "spark.sql.warehouse.dir", warehouse.toString()));
            sharedEngine = SparkEngine.start(conf);
            SparkEngine engine = sharedEngine;
            Runtime.getRuntime().addShutdownHook(new Thread(engine::close));
            engine.awaitReady(Duration.ofMinutes(2));
        }
        return sharedEngine;
    }

    public static TestingServer start() {
        return start(temporaryDirectory("noctua-test-"), Map.of());
    }

    /** A server on {@code dataDir} (a restart when one ran there before), with {@code settings} over the test defaults. */
    public static TestingServer start(Path dataDir, Map<String, String> settings) {
        Map<String, String> all = new HashMap<>();
        all.put("http.port", "0");
        all.put("data-dir", dataDir.toString());
        all.put("session.idle-check-interval", "100ms");
        all.put("calculation.stop-grace", "1s");
        // the machine's python3 as it is, started in milliseconds; a test that wants the environment Noctua
        // builds sets python.executable to "" (or to PythonEnvironments.full())
        all.put("python.executable", "python3");
        if ("true".equals(settings.get("s3.embedded"))) {
            all.put("s3.port", "0");
        }
        else {
            all.putAll(TestingS3.shared().serverSettings());
        }
        if (PostgresSuite.ENABLED && !settings.containsKey("store.url")) {
            all.putAll(PostgresSuite.store(dataDir));
        }
        all.putAll(settings);
        return new TestingServer(dataDir, NoctuaServer.start(NoctuaConfig.from(all), sharedEngine()));
    }

    public static Path temporaryDirectory(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI endpoint() {
        return URI.create(server.endpoint());
    }

    public Path dataDir() {
        return dataDir;
    }

    public NoctuaServer server() {
        return server;
    }

    /** The AWS SDK for Java v2 client, pointed at this server, without retries so that every answer is seen as sent. */
    public synchronized AthenaClient client() {
        if (client == null) {
            // a server that checks signatures gets calls signed with its first key
            client = server.config().authKeys().entrySet().stream().findFirst()
                    .map(key -> clientFor(endpoint(), key.getKey(), key.getValue()))
                    .orElseGet(() -> clientFor(endpoint()));
        }
        return client;
    }

    public static AthenaClient clientFor(URI endpoint) {
        return clientFor(endpoint, "test", "test");
    }

    /** A client that signs with the given keys (a server with auth.* settings checks them). */
    public static AthenaClient clientFor(URI endpoint, String accessKeyId, String secretAccessKey) {
        return AthenaClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretAccessKey)))
                .httpClientBuilder(Apache5HttpClient.builder())
                .overrideConfiguration(c -> c.retryPolicy(RetryPolicy.none()))
                .build();
    }

    /** Runs {@code code} and asserts that it COMPLETED; if not, the message has the reason and the calculation's stderr. */
    public GetCalculationExecutionResponse runCompleted(String sessionId, String code) {
        GetCalculationExecutionResponse done = Athena.run(client(), sessionId, code);
        assertEquals(CalculationExecutionState.COMPLETED, done.status().state(),
                () -> done.status().stateChangeReason() + "\n" + readResult(done.result().stdErrorS3Uri()));
        return done;
    }

    /** Reads an {@code s3://} URI that the server wrote. */
    public String readResult(String s3Uri) {
        return new String(server.results().read(io.noctua.results.S3Location.parse(s3Uri)), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
        }
        server.close();
    }
}
