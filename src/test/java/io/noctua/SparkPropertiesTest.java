package io.noctua;

import io.noctua.config.NoctuaConfig;
import io.noctua.engine.EmbeddedS3FileSystem;
import io.noctua.engine.SparkUi;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * What {@code s3://} becomes for Spark: the embedded store's files in local mode, S3A to an endpoint on a cluster;
 * and where Spark's UI listens.
 */
class SparkPropertiesTest {
    @Test
    void inLocalModeTheEmbeddedStoresFilesAreReadDirectly() {
        Map<String, String> properties = NoctuaServer.sparkProperties(NoctuaConfig.from(Map.of("data-dir", "/tmp/d")));
        assertEquals(EmbeddedS3FileSystem.class.getName(), properties.get("spark.hadoop.fs.s3.impl"));
        assertEquals("127.0.0.1", properties.get("spark.driver.bindAddress"));
    }

    @Test
    void onAClusterExecutorsReachTheEmbeddedStoreThroughS3A() {
        Map<String, String> properties = NoctuaServer.sparkProperties(NoctuaConfig.from(Map.of(
                "data-dir", "/tmp/d", "spark.master", "spark://master:7077", "s3.port", "9100")));
        assertEquals("org.apache.hadoop.fs.s3a.S3AFileSystem", properties.get("spark.hadoop.fs.s3.impl"));
        assertEquals("http://127.0.0.1:9100", properties.get("spark.hadoop.fs.s3a.endpoint"));
        assertEquals(NoctuaConfig.EMBEDDED_ACCESS_KEY_ID, properties.get("spark.hadoop.fs.s3a.access.key"));
        assertEquals(null, properties.get("spark.driver.bindAddress"));
    }

    @Test
    void sparksUiListensWhereTheApiDoesOnAFreePort() {
        Map<String, String> loopback = NoctuaServer.sparkProperties(NoctuaConfig.from(Map.of("data-dir", "/tmp/d")));
        assertEquals("127.0.0.1", loopback.get(SparkUi.HOST));
        assertEquals("true", loopback.get("spark.ui.enabled"));
        assertEquals("0", loopback.get("spark.ui.port"));
        assertEquals("0.0.0.0", NoctuaServer.sparkProperties(NoctuaConfig.from(Map.of("data-dir", "/tmp/d", "http.host", ""))).get(SparkUi.HOST));
        assertEquals("::1", NoctuaServer.sparkProperties(NoctuaConfig.from(Map.of("data-dir", "/tmp/d", "http.host", "[::1]"))).get(SparkUi.HOST));
        assertEquals("10.0.0.5", NoctuaServer.sparkProperties(NoctuaConfig.from(Map.of("data-dir", "/tmp/d", "http.host", "10.0.0.5",
                "spark.master", "spark://master:7077", "s3.port", "9100"))).get(SparkUi.HOST));
    }

    @Test
    void onAClusterTheEmbeddedStoreNeedsAKnownPort() {
        NoctuaConfig.ConfigException e = assertThrows(NoctuaConfig.ConfigException.class, () -> NoctuaServer.sparkProperties(NoctuaConfig.from(Map.of(
                "data-dir", "/tmp/d", "spark.master", "spark://master:7077", "s3.port", "0"))));
        assertEquals("on a Spark cluster (spark.master spark://master:7077) executors reach the embedded S3 store through its endpoint, "
                + "so s3.port must name a port, not 0", e.getMessage());
    }
}
