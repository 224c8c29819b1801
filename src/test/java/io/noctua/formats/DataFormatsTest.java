package io.noctua.formats;

import io.noctua.testing.Athena;
import io.noctua.testing.Commands;
import io.noctua.testing.ServerExtension;
import io.noctua.testing.ServerProcess;
import io.noctua.testing.TestingS3;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Spark's file formats and Athena's table DDL on {@code s3://} data, through {@code %%sql}: on the S3
 * store a server is configured with (Hadoop S3A), and on the embedded store (Noctua's own file
 * system over its files), in a server process of its own, which is also restarted to show that
 * Iceberg and Delta tables outlive it. The data is uploaded with boto3's default S3 client
 * ({@code src/test/python/s3_default_client.py}), which first checks the S3 operations users run.
 */
class DataFormatsTest {
    private static final Path SCRIPT = Path.of("src", "test", "python", "s3_default_client.py").toAbsolutePath();
    private static final String EMBEDDED_KEY_ID = "noctua";
    private static final String EMBEDDED_SECRET = "noctua-secret-key";

    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    @BeforeAll
    static void needsBoto3() {
        String missing = Commands.missing(List.of("python3", "-c", "import boto3"));
        if (missing != null) {
            System.out.println("DataFormatsTest skipped: " + missing);
        }
        assumeTrue(missing == null, missing);
    }

    @Test
    void everyFormatAndDdlFormOnTheConfiguredStore() {
        TestingS3 s3 = TestingS3.shared();
        upload(s3.endpoint(), TestingS3.ACCESS_KEY_ID, TestingS3.SECRET_ACCESS_KEY, "formats-s3a");
        TestingServer server = running.server();
        try (S3Client client = TestingS3.client(s3.endpoint(), TestingS3.ACCESS_KEY_ID, TestingS3.SECRET_ACCESS_KEY)) {
            new Formats(server.client(), client, server::readResult, "formats-s3a", "fmt_s3a").checkAll();
        }
    }

    @Test
    void everyFormatAndDdlFormOnTheEmbeddedStoreAndTableFormatsAfterARestart() {
        Path dataDir = TestingServer.temporaryDirectory("noctua-formats-");
        try (ServerProcess first = ServerProcess.start(dataDir); AthenaClient athena = first.client();
             S3Client s3 = TestingS3.client(first.s3Endpoint(), EMBEDDED_KEY_ID, EMBEDDED_SECRET)) {
            upload(first.s3Endpoint(), EMBEDDED_KEY_ID, EMBEDDED_SECRET, "formats-embedded");
            Formats formats = new Formats(athena, s3, uri -> TestingS3.read(s3, uri), "formats-embedded", "fmt_emb");
            formats.checkAll();
            String iceberg = formats.session(TableFormatsTest.ICEBERG);
            formats.expect(iceberg, "CREATE TABLE fmt_emb.ice (id BIGINT, s STRING) USING iceberg LOCATION 's3://formats-embedded/ice'");
            formats.expect(iceberg, "INSERT INTO fmt_emb.ice VALUES (1, 'a'), (2, 'b')");
            formats.expect(iceberg, "DELETE FROM fmt_emb.ice WHERE id = 1");
            String delta = formats.session(TableFormatsTest.DELTA);
            formats.expect(delta, "CREATE TABLE fmt_emb.dl (id BIGINT, s STRING) USING delta LOCATION 's3://formats-embedded/dl'");
            formats.expect(delta, "INSERT INTO fmt_emb.dl VALUES (1, 'a'), (2, 'b'), (3, 'c')");
            assertTrue(s3.listObjectsV2(r -> r.bucket("formats-embedded").prefix("ice/metadata/")).keyCount() > 0);
            assertTrue(s3.listObjectsV2(r -> r.bucket("formats-embedded").prefix("dl/_delta_log/")).keyCount() > 0);
            first.stop();
        }
        try (ServerProcess second = ServerProcess.start(dataDir); AthenaClient athena = second.client();
             S3Client s3 = TestingS3.client(second.s3Endpoint(), EMBEDDED_KEY_ID, EMBEDDED_SECRET)) {
            Formats formats = new Formats(athena, s3, uri -> TestingS3.read(s3, uri), "formats-embedded", "fmt_emb");
            formats.expect(formats.session(TableFormatsTest.ICEBERG), "SELECT id, s FROM fmt_emb.ice", "|  2|  b|");
            formats.expect(formats.session(TableFormatsTest.DELTA), "SELECT count(*) AS n FROM fmt_emb.dl VERSION AS OF 1", "|  3|");
            formats.expect(formats.session(Map.of()), "SELECT sum(id) AS total FROM fmt_emb.delimited", "|    3|");
        }
    }

    private static void upload(URI endpoint, String keyId, String secret, String bucket) {
        Commands.Result result = Commands.run(List.of("python3", SCRIPT.toString(), endpoint.toString(), keyId, secret, bucket),
                Map.of(), Duration.ofMinutes(3));
        assertEquals(0, result.exitCode(), "boto3's default client against " + endpoint + ":\n" + result);
    }

    /** The checks, for one server and store: {@code bucket} holds the fixtures; tables go in the database {@code db}. */
    private record Formats(AthenaClient athena, S3Client s3, Function<String, String> read, String bucket, String db) {
        String session(Map<String, String> properties) {
            return properties.isEmpty() ? startIdle(Map.of()) : startIdle(properties);
        }

        private String startIdle(Map<String, String> properties) {
            String sessionId = athena.startSession(r -> r.workGroup(Athena.SPARK_WORK_GROUP)
                    .engineConfiguration(e -> e.maxConcurrentDpus(2).sparkProperties(properties))).sessionId();
            Athena.await(() -> athena.getSessionStatus(r -> r.sessionId(sessionId)).status().state()
                    == software.amazon.awssdk.services.athena.model.SessionState.IDLE, "session " + sessionId + " IDLE", Duration.ofMinutes(5));
            return sessionId;
        }

        /** Runs one statement; it must complete, and its output contain each of {@code expected}. */
        String expect(String sessionId, String sql, String... expected) {
            String statement = sql.replace("{b}", bucket).replace("{db}", db);
            GetCalculationExecutionResponse done = Athena.run(athena, sessionId, "%%sql\n" + statement);
            assertEquals(CalculationExecutionState.COMPLETED, done.status().state(),
                    () -> statement + "\n" + done.status().stateChangeReason() + "\n" + read.apply(done.result().stdErrorS3Uri()));
            String stdout = read.apply(done.result().stdOutS3Uri());
            for (String text : expected) {
                assertTrue(stdout.contains(text), () -> statement + "\nexpected " + text + " in:\n" + stdout);
            }
            return stdout;
        }

        void checkAll() {
            String s = session(Map.of());
            String f = "s3://{b}/fixtures/";
            // direct queries on every line-based format, compressed or not
            expect(s, "SELECT count(*) AS n FROM csv.`" + f + "csv/people.csv`", "|  4|");
            expect(s, "CREATE TEMPORARY VIEW people USING csv OPTIONS (path '" + f + "csv/people.csv', header 'true', inferSchema 'true')");
            expect(s, "SELECT sum(age) AS total, max(city) AS city FROM people", "|  107|Paris|");
            expect(s, "CREATE TEMPORARY VIEW people_gz USING csv OPTIONS (path '" + f + "csv-gzip/', header 'true', inferSchema 'true')");
            expect(s, "SELECT sum(age) AS total FROM people_gz", "|  107|");
            expect(s, "SELECT sum(age) AS total FROM json.`" + f + "json/people.json`", "|  107|");
            expect(s, "SELECT sum(age) AS total FROM json.`" + f + "json-bzip2/`", "|  107|");
            expect(s, "SELECT count(*) AS n, max(value) AS last FROM text.`" + f + "text/lines.txt`", "|  3| two|");
            expect(s, "SELECT length(content) AS bytes FROM binaryFile.`" + f + "text/lines.txt`", "|   14|");
            // Zstandard text, made here (Python has no zstd module) and read with Noctua's codec on zstd-jni
            s3.putObject(r -> r.bucket(bucket).key("fixtures/csv-zstd/people.csv.zst"),
                    software.amazon.awssdk.core.sync.RequestBody.fromBytes(com.github.luben.zstd.Zstd.compress(
                            "name,age,city\nalice,34,Paris\nbob,28,Oslo\ncarol,45,Lima\n".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
            expect(s, "CREATE TEMPORARY VIEW people_zstd USING csv OPTIONS (path '" + f + "csv-zstd/', header 'true', inferSchema 'true')");
            expect(s, "SELECT sum(age) AS total FROM people_zstd", "|  107|");
            // written by Spark and read back: each columnar format, and text formats with each codec
            for (String format : List.of("parquet", "orc", "avro", "json", "csv")) {
                expect(s, "INSERT OVERWRITE DIRECTORY 's3://{b}/out/" + format + "' USING " + format
                        + " SELECT id, id * id AS square FROM range(10)");
                String column = format.equals("csv") ? "CAST(_c1 AS BIGINT)" : "square";
                expect(s, "SELECT sum(" + column + ") AS total FROM " + format + ".`s3://{b}/out/" + format + "`", "|  285|");
            }
            expect(s, "INSERT OVERWRITE DIRECTORY 's3://{b}/out/parquet-zstd' USING parquet OPTIONS (compression 'zstd') SELECT id FROM range(10)");
            expect(s, "SELECT sum(id) AS total FROM parquet.`s3://{b}/out/parquet-zstd`", "|   45|");
            for (String codec : List.of("gzip", "bzip2", "snappy", "lz4")) {
                expect(s, "INSERT OVERWRITE DIRECTORY 's3://{b}/out/csv-" + codec + "' USING csv OPTIONS (compression '" + codec + "') "
                        + "SELECT id FROM range(10)");
                expect(s, "SELECT sum(CAST(_c0 AS INT)) AS total FROM csv.`s3://{b}/out/csv-" + codec + "`", "|   45|");
            }

            // Athena's table DDL
            expect(s, "CREATE DATABASE IF NOT EXISTS {db} LOCATION 's3://{b}/warehouse/'");
            expect(s, "CREATE EXTERNAL TABLE {db}.delimited (id INT, name STRING, tags ARRAY<STRING>, attrs MAP<STRING, STRING>) "
                    + "ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' ESCAPED BY '\\\\' COLLECTION ITEMS TERMINATED BY '|' "
                    + "MAP KEYS TERMINATED BY ':' LINES TERMINATED BY '\\n' STORED AS TEXTFILE LOCATION '" + f + "delimited/' "
                    + "TBLPROPERTIES ('skip.header.line.count'='1')");
            expect(s, "SELECT id, name, size(tags) AS n, attrs['k'] AS k, attrs['j'] AS j FROM {db}.delimited ORDER BY id",
                    "|  1| alice|  2| v1|  w1|", "|  2|bob,jr|  1| v2|NULL|");
            expect(s, "CREATE EXTERNAL TABLE {db}.opencsv (id STRING, name STRING, quote STRING) "
                    + "ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' "
                    + "WITH SERDEPROPERTIES ('separatorChar'=',', 'quoteChar'='\"', 'escapeChar'='\\\\') "
                    + "STORED AS TEXTFILE LOCATION '" + f + "opencsv/' TBLPROPERTIES ('skip.header.line.count'='1')");
            expect(s, "SELECT name, quote FROM {db}.opencsv ORDER BY id", "|Smith, John|said \"hi\"|", "|  Doe, Jane|    plain|");
            expect(s, "CREATE EXTERNAL TABLE {db}.tsv (id INT, letter STRING) "
                    + "ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe' "
                    + "WITH SERDEPROPERTIES ('field.delim'='\\t', 'serialization.format'='\\t') "
                    + "STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat' "
                    + "OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat' LOCATION '" + f + "tsv/'");
            expect(s, "SELECT sum(id) AS total, max(letter) AS last FROM {db}.tsv", "|    6|   z|");
            expect(s, "CREATE EXTERNAL TABLE {db}.hcatalog_json (id INT, name STRING, point STRUCT<x: INT, y: INT>) "
                    + "ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe' LOCATION '" + f + "hcatalog-json/'");
            expect(s, "SELECT sum(point.y) AS total, max(name) AS last FROM {db}.hcatalog_json", "|    6|   b|");
            expect(s, "CREATE EXTERNAL TABLE {db}.openx_json (id INT, name STRING) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' "
                    + "WITH SERDEPROPERTIES ('ignore.malformed.json'='true') LOCATION '" + f + "openx-json/'");
            expect(s, "SELECT count(*) AS n, sum(id) AS total, max(name) AS last FROM {db}.openx_json", "|  3|    3|   b|");
            for (String format : List.of("PARQUET", "ORC", "AVRO")) {
                String table = "{db}.stored_" + format.toLowerCase();
                expect(s, "CREATE EXTERNAL TABLE " + table + " (id BIGINT, square BIGINT) STORED AS " + format
                        + " LOCATION 's3://{b}/out/" + format.toLowerCase() + "'");
                expect(s, "SELECT sum(square) AS total FROM " + table, "|  285|");
            }
            expect(s, "CREATE EXTERNAL TABLE {db}.parts (id INT, letter STRING) PARTITIONED BY (dt STRING) "
                    + "ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION '" + f + "partitioned/'");
            expect(s, "MSCK REPAIR TABLE {db}.parts");
            expect(s, "ALTER TABLE {db}.parts ADD PARTITION (dt='2024-01-03') LOCATION '" + f + "elsewhere/dt3/'");
            expect(s, "SELECT dt, count(*) AS n FROM {db}.parts GROUP BY dt ORDER BY dt",
                    "|2024-01-01|  2|", "|2024-01-02|  1|", "|2024-01-03|  2|");
            expect(s, "INSERT INTO {db}.parts PARTITION (dt='2024-01-04') VALUES (6, 'f')");
            expect(s, "INSERT INTO {db}.tsv VALUES (4, 'w')");
            expect(s, "SELECT sum(id) AS total FROM {db}.tsv", "|   10|");
            expect(s, "CREATE TABLE {db}.ctas_hive STORED AS PARQUET LOCATION 's3://{b}/ctas/hive' AS SELECT id, letter, dt FROM {db}.parts");
            expect(s, "CREATE TABLE {db}.ctas_spark USING orc LOCATION 's3://{b}/ctas/spark' AS SELECT * FROM {db}.ctas_hive WHERE id > 2");
            expect(s, "INSERT INTO {db}.ctas_spark SELECT 7, 'g', '2024-01-05'");
            expect(s, "SELECT count(*) AS n, sum(id) AS total FROM {db}.ctas_hive", "|  6|   21|");
            expect(s, "SELECT count(*) AS n, sum(id) AS total FROM {db}.ctas_spark", "|  5|   25|");
        }
    }
}
