package io.noctua.config;

import io.noctua.results.S3Settings;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NoctuaConfigTest {
    @Test
    void defaultsArePinned() {
        NoctuaConfig config = NoctuaConfig.from(Map.of());
        assertEquals("127.0.0.1", config.httpHost());
        assertEquals(8420, config.httpPort());
        assertEquals(32, config.httpThreads());
        assertEquals(1_048_576, config.httpMaxRequestBytes());
        assertEquals(Duration.ofSeconds(30), config.httpIdleTimeout());
        assertEquals(List.of(), config.httpAllowedHosts());
        assertEquals(false, config.httpAllowUnauthenticatedNetwork());
        assertEquals(Map.of(), config.authKeys());
        assertEquals(Path.of("noctua-data"), config.dataDir());
        assertEquals("jdbc:sqlite:noctua-data/noctua.db", config.storeUrl());
        assertEquals("s3://noctua-results/", config.defaultOutputLocation());
        assertEquals("spark", config.sparkWorkGroup());
        assertEquals(20, config.sessionDefaultIdleTimeoutMinutes());
        assertEquals(Duration.ofMinutes(1), config.sessionMinute());
        assertEquals(Duration.ofSeconds(5), config.sessionIdleCheckInterval());
        assertEquals(50, config.sessionMaxActive());
        assertEquals(50, config.sessionMaxActivePerWorkGroup());
        assertEquals(1000, config.sessionMaxConcurrentDpus());
        assertEquals(Duration.ofSeconds(2), config.calculationStopGrace());
        assertEquals(4, config.queryMaxRunning());
        assertEquals("", config.pythonExecutable());
        assertEquals(Path.of("noctua-data/python-env"), config.pythonEnvironment());
        assertEquals(List.of("pyspark==" + NoctuaConfig.sparkVersion(), "pandas<3", "numpy<2", "pyarrow", "matplotlib", "seaborn", "plotly",
                "scipy", "ipython", "boto3"), config.pythonPackages());
        assertEquals("python3", config.pythonBaseExecutable());
        assertEquals(2, config.pythonWarmWorkers());
        assertEquals(Duration.ofSeconds(60), config.pythonStartTimeout());
        assertEquals(true, config.s3Embedded());
        assertEquals(Path.of("noctua-data/s3"), config.s3Dir());
        assertEquals(8421, config.s3Port());
        assertEquals(Optional.empty(), config.s3Endpoint());
        assertEquals("us-east-1", config.s3Region());
        assertEquals("auto", config.s3PathStyle());
        assertEquals("noctua", config.s3AccessKeyId());
        assertEquals("noctua-secret-key", config.s3SecretAccessKey());
        assertEquals(new S3Settings(Optional.of(URI.create("http://127.0.0.1:8421")), "us-east-1", true, "noctua", "noctua-secret-key"),
                config.s3Settings());
        assertEquals("hive", config.catalog());
        assertEquals(Path.of("noctua-data/metastore"), config.metastoreDir());
        assertEquals("", config.metastoreUrl());
        assertEquals("", config.metastoreUser());
        assertEquals("", config.metastorePassword());
        assertEquals(Optional.empty(), config.metastoreDatabase());
        assertEquals(Duration.ofSeconds(10), config.clusterLeaseDuration());
        assertEquals("", config.clusterAdvertisedEndpoint());
        assertEquals(Map.of("spark.master", "local[*]", "spark.ui.enabled", "true", "spark.ui.port", "0",
                "spark.sql.warehouse.dir", "noctua-data/warehouse"), config.spark());
    }

    @Test
    void theMetastoreGoesToPostgresqlWhenGivenADatabaseOfItsOwn() {
        NoctuaConfig config = NoctuaConfig.from(Map.of("metastore.url", " jdbc:postgresql://db:5432/catalog ", "metastore.user", "hive",
                "metastore.password", "the-password", "store.url", "jdbc:postgresql://db:5432/noctua"));
        assertEquals(Optional.of(new io.noctua.engine.MetastoreDatabase("jdbc:postgresql://db:5432/catalog", "hive", "the-password")),
                config.metastoreDatabase());
        assertEquals("MetastoreDatabase[jdbc:postgresql://db:5432/catalog, user hive]", config.metastoreDatabase().orElseThrow().toString());
        Map<String, String> spark = io.noctua.NoctuaServer.sparkProperties(config);
        assertEquals("jdbc:postgresql://db:5432/catalog", spark.get("spark.hadoop.javax.jdo.option.ConnectionURL"));
        assertEquals("org.postgresql.Driver", spark.get("spark.hadoop.javax.jdo.option.ConnectionDriverName"));
        assertEquals("hive", spark.get("spark.hadoop.javax.jdo.option.ConnectionUserName"));
        assertEquals("the-password", spark.get("spark.hadoop.javax.jdo.option.ConnectionPassword"));
        assertEquals("hive", spark.get("spark.sql.catalogImplementation"));
        assertEquals(null, spark.get("spark.noctua.derby.system.home"), "no Derby");
        assertEquals("metastore.url and store.url name the same database; give the metastore a database of its own",
                assertThrows(NoctuaConfig.ConfigException.class, () -> NoctuaConfig.from(Map.of("metastore.url", "jdbc:postgresql://db/x",
                        "store.url", "jdbc:postgresql://db/x?user=a"))).getMessage());
        assertEquals("metastore.url must be a PostgreSQL database, jdbc:postgresql://HOST:PORT/DATABASE (leave it empty for embedded "
                        + "Derby), not 'jdbc:mysql://db/x'",
                assertThrows(NoctuaConfig.ConfigException.class, () -> NoctuaConfig.from(Map.of("metastore.url",
                        "jdbc:mysql://db/x?password=hidden"))).getMessage());
        assertEquals("metastore.url is set, but catalog=in-memory keeps no metastore: set catalog=hive, or drop metastore.url",
                assertThrows(NoctuaConfig.ConfigException.class, () -> NoctuaConfig.from(Map.of("metastore.url", "jdbc:postgresql://db/x",
                        "catalog", "in-memory"))).getMessage());
    }

    @Test
    void theConfigurationShownAsTextHasNoSecrets() {
        String text = NoctuaConfig.from(Map.of("store.url", "jdbc:postgresql://db/noctua?password=in-the-url", "store.password", "store-secret",
                "metastore.url", "jdbc:postgresql://db/catalog?password=in-the-url-too", "metastore.password", "metastore-secret",
                "auth.access-key-id", "AKID", "auth.secret-access-key", "auth-secret", "s3.access-key-id", "s3-key",
                "s3.secret-access-key", "s3-secret")).toString();
        for (String secret : List.of("in-the-url", "store-secret", "metastore-secret", "auth-secret", "s3-secret")) {
            assertEquals(false, text.contains(secret), secret + " in " + text);
        }
        assertEquals(true, text.contains("metastoreUrl=jdbc:postgresql://db/catalog, metastoreUser=, metastorePassword=(set)"), text);
    }

    @Test
    void thePythonEnvironmentFollowsTheDataDirectoryUnlessPlacedElsewhere() {
        assertEquals(Path.of("/var/lib/noctua/python-env"), NoctuaConfig.from(Map.of("data-dir", "/var/lib/noctua")).pythonEnvironment());
        NoctuaConfig config = NoctuaConfig.from(Map.of("python.environment", "/opt/noctua-python", "python.packages", " pandas<3 , six,,",
                "python.executable", " /usr/bin/python3 "));
        assertEquals(Path.of("/opt/noctua-python"), config.pythonEnvironment());
        assertEquals(List.of("pandas<3", "six"), config.pythonPackages());
        assertEquals("/usr/bin/python3", config.pythonExecutable());
        assertEquals("3.5", NoctuaConfig.sparkVersion().substring(0, 3));
        assertEquals("python.base-executable must not be empty",
                assertThrows(NoctuaConfig.ConfigException.class, () -> NoctuaConfig.from(Map.of("python.base-executable", " "))).getMessage());
    }

    @Test
    void theDataDirectoryMovesEverythingBelowIt() {
        NoctuaConfig config = NoctuaConfig.from(Map.of("data-dir", "/var/lib/noctua", "spark.executor.memory", "2g"));
        assertEquals("jdbc:sqlite:/var/lib/noctua/noctua.db", config.storeUrl());
        assertEquals(Path.of("/var/lib/noctua/s3"), config.s3Dir());
        assertEquals("/var/lib/noctua/warehouse", config.spark().get("spark.sql.warehouse.dir"));
        assertEquals("2g", config.spark().get("spark.executor.memory"));
    }

    @Test
    void anotherS3StoreIsReachedWithItsOwnSettings() {
        NoctuaConfig minio = NoctuaConfig.from(Map.of("s3.embedded", "false", "s3.endpoint", "http://minio.internal:9000",
                "s3.access-key-id", "minio", "s3.secret-access-key", "minio123"));
        assertEquals(new S3Settings(Optional.of(URI.create("http://minio.internal:9000")), "us-east-1", true, "minio", "minio123"),
                minio.s3Settings());

        NoctuaConfig aws = NoctuaConfig.from(Map.of("s3.embedded", "false", "s3.region", "eu-west-1"));
        S3Settings settings = aws.s3Settings();
        assertEquals(new S3Settings(Optional.empty(), "eu-west-1", false, null, null), settings);
        assertEquals("AWS S3 (eu-west-1)", settings.describe());
        assertEquals("com.amazonaws.auth.DefaultAWSCredentialsProviderChain", settings.sparkProperties().get("spark.hadoop.fs.s3a.aws.credentials.provider"));
        assertEquals("org.apache.hadoop.fs.s3a.S3AFileSystem", settings.sparkProperties().get("spark.hadoop.fs.s3.impl"));
    }

    @Test
    void s3SettingsThatCannotWorkTogetherAreRefused() {
        assertEquals("s3.endpoint names another S3 store, so the embedded one is not wanted: set s3.embedded=false as well",
                assertThrows(NoctuaConfig.ConfigException.class, () -> NoctuaConfig.from(Map.of("s3.endpoint", "http://localhost:9000"))).getMessage());
        assertEquals("s3.endpoint must be a URL such as http://localhost:9000, not 'localhost:9000'",
                assertThrows(NoctuaConfig.ConfigException.class, () -> NoctuaConfig.from(
                        Map.of("s3.embedded", "false", "s3.endpoint", "localhost:9000"))).getMessage());
        assertEquals("set both s3.access-key-id and s3.secret-access-key, or neither",
                assertThrows(NoctuaConfig.ConfigException.class, () -> NoctuaConfig.from(
                        Map.of("s3.embedded", "false", "s3.access-key-id", "AKIA"))).getMessage());
        assertEquals("s3.path-style must be one of auto, true, false, not 'yes'",
                assertThrows(NoctuaConfig.ConfigException.class, () -> NoctuaConfig.from(Map.of("s3.path-style", "yes"))).getMessage());
    }

    @Test
    void keysThatSignCallsComeInPairs() {
        NoctuaConfig config = NoctuaConfig.from(Map.of("auth.access-key-id", "AKIDMAIN", "auth.secret-access-key", "main-secret",
                "auth.extra-keys", "AKIDCI:ci-secret, AKIDBOT:bot:secret"));
        assertEquals(Map.of("AKIDMAIN", "main-secret", "AKIDCI", "ci-secret", "AKIDBOT", "bot:secret"), config.authKeys());
        assertEquals("set both auth.access-key-id and auth.secret-access-key, or neither",
                assertThrows(NoctuaConfig.ConfigException.class, () -> NoctuaConfig.from(Map.of("auth.access-key-id", "AKID"))).getMessage());
        assertEquals("auth.extra-keys takes ACCESS_KEY_ID:SECRET pairs, comma-separated; one is 'AKID...'",
                assertThrows(NoctuaConfig.ConfigException.class, () -> NoctuaConfig.from(Map.of("auth.extra-keys", "AKIDSECRET"))).getMessage());
        assertEquals(List.of("noctua.example.com", "10.0.0.5"),
                NoctuaConfig.from(Map.of("http.allowed-hosts", " noctua.example.com ,10.0.0.5,")).httpAllowedHosts());
    }

    @Test
    void badSettingsSayWhatIsWrong() {
        assertEquals("unknown setting 'http.prot'; known settings: auth.access-key-id, auth.extra-keys, auth.secret-access-key, "
                        + "calculation.stop-grace, catalog, cluster.advertised-endpoint, cluster.lease-duration, data-dir, http.allow-unauthenticated-network, http.allowed-hosts, http.host, "
                        + "http.idle-timeout, http.max-request-bytes, "
                        + "http.port, http.threads, metastore.password, metastore.url, metastore.user, notebook.url-lifetime, python.base-executable, python.environment, python.executable, python.packages, python.start-timeout, python.warm-workers, query.max-running, results.default-output-location, s3.access-key-id, s3.dir, s3.embedded, s3.endpoint, s3.path-style, s3.port, s3.region, "
                        + "s3.secret-access-key, session.default-idle-timeout-minutes, "
                        + "session.idle-check-interval, session.max-active, session.max-active-per-workgroup, session.max-concurrent-dpus, "
                        + "session.minute, spark.master, spark.sql.warehouse.dir, spark.ui.enabled, spark.ui.port, store.password, store.url, store.user, workgroup.spark",
                assertThrows(NoctuaConfig.ConfigException.class, () -> NoctuaConfig.from(Map.of("http.prot", "1"))).getMessage());
        assertEquals("cluster.advertised-endpoint must be an http:// or https:// URL with a host and no path, like http://10.0.0.5:8420; "
                        + "it is http://10.0.0.5:8420/api",
                assertThrows(NoctuaConfig.ConfigException.class,
                        () -> NoctuaConfig.from(Map.of("cluster.advertised-endpoint", "http://10.0.0.5:8420/api"))).getMessage());
        assertEquals("http://10.0.0.5:8420", NoctuaConfig.from(Map.of("cluster.advertised-endpoint", "http://10.0.0.5:8420/")).clusterAdvertisedEndpoint());
        assertEquals("http.port must be between 0 and 65535, not 70000",
                assertThrows(NoctuaConfig.ConfigException.class, () -> NoctuaConfig.from(Map.of("http.port", "70000"))).getMessage());
        assertEquals("session.minute must be a duration such as 500ms, 5s, 2m or 1h, not 'soon'",
                assertThrows(NoctuaConfig.ConfigException.class, () -> NoctuaConfig.from(Map.of("session.minute", "soon"))).getMessage());
        assertEquals("python.start-timeout must be longer than 0",
                assertThrows(NoctuaConfig.ConfigException.class, () -> NoctuaConfig.from(Map.of("python.start-timeout", "0s"))).getMessage());
    }
}
