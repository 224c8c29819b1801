package io.noctua.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

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
        assertEquals(Path.of("noctua-data"), config.dataDir());
        assertEquals("jdbc:sqlite:noctua-data/noctua.db", config.storeUrl());
        assertEquals(Path.of("noctua-data/s3"), config.resultsLocalDir());
        assertEquals("s3://noctua-results/", config.defaultOutputLocation());
        assertEquals("spark", config.sparkWorkGroup());
        assertEquals(20, config.sessionDefaultIdleTimeoutMinutes());
        assertEquals(Duration.ofMinutes(1), config.sessionMinute());
        assertEquals(Duration.ofSeconds(5), config.sessionIdleCheckInterval());
        assertEquals(Duration.ofSeconds(2), config.calculationStopGrace());
        assertEquals("python3", config.pythonExecutable());
        assertEquals(2, config.pythonWarmWorkers());
        assertEquals(true, config.s3Embedded());
        assertEquals(8421, config.s3Port());
        assertEquals("noctua", config.s3AccessKeyId());
        assertEquals("noctua-secret-key", config.s3SecretAccessKey());
        assertEquals(Map.of("spark.master", "local[*]", "spark.ui.enabled", "false", "spark.sql.warehouse.dir", "noctua-data/warehouse"),
                config.spark());
    }

    @Test
    void theDataDirectoryMovesEverythingBelowIt() {
        NoctuaConfig config = NoctuaConfig.from(Map.of("data-dir", "/var/lib/noctua", "spark.executor.memory", "2g"));
        assertEquals("jdbc:sqlite:/var/lib/noctua/noctua.db", config.storeUrl());
        assertEquals(Path.of("/var/lib/noctua/s3"), config.resultsLocalDir());
        assertEquals("/var/lib/noctua/warehouse", config.spark().get("spark.sql.warehouse.dir"));
        assertEquals("2g", config.spark().get("spark.executor.memory"));
    }

    @Test
    void badSettingsSayWhatIsWrong() {
        assertEquals("unknown setting 'http.prot'; known settings: calculation.stop-grace, data-dir, http.host, http.max-request-bytes, "
                        + "http.port, http.threads, python.executable, python.warm-workers, results.default-output-location, results.local-dir, s3.access-key-id, s3.embedded, s3.port, s3.secret-access-key, session.default-idle-timeout-minutes, "
                        + "session.idle-check-interval, session.minute, spark.master, spark.sql.warehouse.dir, spark.ui.enabled, store.url, workgroup.spark",
                assertThrows(NoctuaConfig.ConfigException.class, () -> NoctuaConfig.from(Map.of("http.prot", "1"))).getMessage());
        assertEquals("http.port must be between 0 and 65535, not 70000",
                assertThrows(NoctuaConfig.ConfigException.class, () -> NoctuaConfig.from(Map.of("http.port", "70000"))).getMessage());
        assertEquals("session.minute must be a duration such as 500ms, 5s, 2m or 1h, not 'soon'",
                assertThrows(NoctuaConfig.ConfigException.class, () -> NoctuaConfig.from(Map.of("session.minute", "soon"))).getMessage());
    }
}
