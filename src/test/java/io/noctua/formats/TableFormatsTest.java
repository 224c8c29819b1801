package io.noctua.formats;

import io.noctua.testing.Athena;
import io.noctua.testing.ServerExtension;
import io.noctua.testing.TestingS3;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.InvalidRequestException;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Iceberg and Delta Lake tables with exactly the session properties Athena's documentation gives
 * (and dbt-athena sets), on the S3 store the server is configured with, shared by sessions through
 * the one catalog.
 */
class TableFormatsTest {
    /** Athena's "Using Apache Iceberg tables in Athena for Spark", unmodified. */
    static final Map<String, String> ICEBERG = Map.of(
            "spark.sql.catalog.spark_catalog", "org.apache.iceberg.spark.SparkSessionCatalog",
            "spark.sql.catalog.spark_catalog.catalog-impl", "org.apache.iceberg.aws.glue.GlueCatalog",
            "spark.sql.catalog.spark_catalog.io-impl", "org.apache.iceberg.aws.s3.S3FileIO",
            "spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions");
    /** Athena's "Using Delta Lake tables in Athena for Spark", unmodified. */
    static final Map<String, String> DELTA = Map.of(
            "spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog",
            "spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension");

    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private final TestingServer server = running.server();
    private final AthenaClient athena = running.client();
    private final TestingS3 s3 = TestingS3.shared();

    private String sql(String sessionId, String statement) {
        return server.readResult(server.runCompleted(sessionId, "%%sql\n" + statement).result().stdOutS3Uri());
    }

    @Test
    void icebergTablesWithAthenasPropertiesAreWrittenChangedAndTimeTravelledAcrossSessions() {
        s3.createBucket("iceberg-lake");
        String writer = Athena.startIdleSession(athena, ICEBERG);
        sql(writer, "CREATE DATABASE IF NOT EXISTS iceberg_db LOCATION 's3://iceberg-lake/iceberg_db'");
        sql(writer, "CREATE TABLE iceberg_db.events (id BIGINT, kind STRING) USING iceberg");
        sql(writer, "INSERT INTO iceberg_db.events VALUES (1, 'a'), (2, 'b'), (3, 'c')");
        sql(writer, "UPDATE iceberg_db.events SET kind = 'B' WHERE id = 2");
        sql(writer, "DELETE FROM iceberg_db.events WHERE id = 1");
        sql(writer, "MERGE INTO iceberg_db.events t USING (SELECT 3L AS id, 'C' AS kind UNION ALL SELECT 4L, 'd') s ON t.id = s.id "
                + "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *");
        String rows = sql(writer, "SELECT id, kind FROM iceberg_db.events ORDER BY id");
        assertTrue(rows.contains("|  2|   B|") && rows.contains("|  3|   C|") && rows.contains("|  4|   d|") && !rows.contains("|  1|"), rows);

        String snapshots = sql(writer, "SELECT snapshot_id, operation FROM iceberg_db.events.snapshots ORDER BY committed_at");
        Matcher first = Pattern.compile("\\|\\s*(\\d+)\\|\\s*append\\|").matcher(snapshots);
        assertTrue(first.find(), snapshots);
        String original = sql(writer, "SELECT id, kind FROM iceberg_db.events VERSION AS OF " + first.group(1) + " ORDER BY id");
        assertTrue(original.contains("|  1|   a|") && original.contains("|  2|   b|"), original);

        String reader = Athena.startIdleSession(athena, ICEBERG);
        assertTrue(sql(reader, "SELECT count(*) AS n FROM iceberg_db.events").contains("|  3|"));
        assertTrue(s3.keys("iceberg-lake", "iceberg_db/events/").stream().anyMatch(key -> key.startsWith("iceberg_db/events/metadata/")
                && key.endsWith(".metadata.json")), s3.keys("iceberg-lake", "iceberg_db/").toString());
        assertTrue(s3.keys("iceberg-lake", "iceberg_db/events/data/").stream().anyMatch(key -> key.endsWith(".parquet")));
    }

    @Test
    void propertiesThatCannotBeHonouredForOneSessionAreRefusedByName() {
        Map<String, String> refused = Map.of(
                "spark.executor.memory", "spark.executor.memory",
                "spark.sql.extensions", "com.example.MyExtensions",
                "spark.sql.catalog.spark_catalog", "org.apache.spark.sql.hudi.catalog.HoodieCatalog",
                "spark.sql.catalog.mine", "com.example.NoSuchCatalog",
                "spark.hadoop.fs.s3a.endpoint", "spark.hadoop.fs.s3a.endpoint");
        refused.forEach((property, named) -> {
            String value = property.equals("spark.executor.memory") ? "8g" : property.startsWith("spark.hadoop") ? "http://elsewhere" : named;
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> athena.startSession(r -> r.workGroup("spark")
                    .engineConfiguration(c -> c.maxConcurrentDpus(2).sparkProperties(Map.of(property, value)))));
            assertTrue(e.getMessage().contains(property), e.getMessage());
            assertTrue(property.contains("catalog.spark_catalog") ? e.getMessage().contains("Hudi") : true, e.getMessage());
        });
        // Athena's Hudi recipe as a whole
        InvalidRequestException hudi = assertThrows(InvalidRequestException.class, () -> athena.startSession(r -> r.workGroup("spark")
                .engineConfiguration(c -> c.maxConcurrentDpus(2).sparkProperties(Map.of(
                        "spark.sql.catalog.spark_catalog", "org.apache.spark.sql.hudi.catalog.HoodieCatalog",
                        "spark.serializer", "org.apache.spark.serializer.KryoSerializer",
                        "spark.sql.extensions", "org.apache.spark.sql.hudi.HoodieSparkSessionExtension")))));
        assertTrue(hudi.getMessage().contains("Hudi"), hudi.getMessage());

        // per-session SQL settings apply to their session alone; a context-wide one equal to the server's is taken
        String utc = Athena.startIdleSession(athena, Map.of("spark.sql.session.timeZone", "UTC", "spark.sql.catalogImplementation", "hive"));
        String tokyo = Athena.startIdleSession(athena, Map.of("spark.sql.session.timeZone", "Asia/Tokyo"));
        assertTrue(sql(utc, "SELECT current_timezone() AS tz").contains("UTC"));
        assertTrue(sql(tokyo, "SELECT current_timezone() AS tz").contains("Asia/Tokyo"));
    }

    @Test
    void deltaTablesWithAthenasPropertiesAreWrittenChangedAndTimeTravelledAcrossSessions() {
        s3.createBucket("delta-lake");
        String writer = Athena.startIdleSession(athena, DELTA);
        sql(writer, "CREATE DATABASE IF NOT EXISTS delta_db LOCATION 's3://delta-lake/delta_db'");
        sql(writer, "CREATE TABLE delta_db.events (id BIGINT, kind STRING) USING delta");
        sql(writer, "INSERT INTO delta_db.events VALUES (1, 'a'), (2, 'b'), (3, 'c')");
        sql(writer, "UPDATE delta_db.events SET kind = 'B' WHERE id = 2");
        sql(writer, "DELETE FROM delta_db.events WHERE id = 1");
        sql(writer, "MERGE INTO delta_db.events t USING (SELECT 3L AS id, 'C' AS kind UNION ALL SELECT 4L, 'd') s ON t.id = s.id "
                + "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *");
        String rows = sql(writer, "SELECT id, kind FROM delta_db.events ORDER BY id");
        assertTrue(rows.contains("|  2|   B|") && rows.contains("|  3|   C|") && rows.contains("|  4|   d|") && !rows.contains("|  1|"), rows);
        String history = sql(writer, "DESCRIBE HISTORY delta_db.events");
        assertTrue(history.contains("MERGE") && history.contains("DELETE") && history.contains("UPDATE"), history);
        String original = sql(writer, "SELECT id, kind FROM delta_db.events VERSION AS OF 1 ORDER BY id");
        assertTrue(original.contains("|  1|   a|") && original.contains("|  2|   b|"), original);

        String reader = Athena.startIdleSession(athena, DELTA);
        assertTrue(sql(reader, "SELECT count(*) AS n FROM delta_db.events").contains("|  3|"));
        assertTrue(s3.keys("delta-lake", "delta_db/events/_delta_log/").stream().anyMatch(key -> key.endsWith(".json")),
                s3.keys("delta-lake", "delta_db/").toString());
    }
}
