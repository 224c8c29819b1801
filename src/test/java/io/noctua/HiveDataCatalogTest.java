package io.noctua;

import io.noctua.testing.Athena;
import io.noctua.testing.ServerExtension;
import io.noctua.testing.ThriftMetastore;
import io.noctua.testing.ThriftMetastore.StorageFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.DataCatalogType;
import software.amazon.awssdk.services.athena.model.Datum;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;
import software.amazon.awssdk.services.athena.model.InvalidRequestException;
import software.amazon.awssdk.services.athena.model.MetadataException;
import software.amazon.awssdk.services.athena.model.QueryExecution;
import software.amazon.awssdk.services.athena.model.QueryExecutionState;
import software.amazon.awssdk.services.athena.model.TableMetadata;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.noctua.testing.ThriftMetastore.columns;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A HIVE data catalog made with {@code metastore-uri}: a real Hive metastore, in a JVM of its own, read over Thrift by the
 * SQL API (QueryExecutionContext's Catalog, and three-part names), by Athena's catalog-reading calls, and by Spark
 * sessions; never written to.
 */
class HiveDataCatalogTest {
    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private static final String CATALOG = "hms_" + UUID.randomUUID().toString().substring(0, 8);
    private static final String DB = "sales_db";
    private static Path directory;
    private static ThriftMetastore metastore;

    private final AthenaClient athena = running.client();

    @BeforeAll
    static void startMetastore() throws Exception {
        directory = Files.createTempDirectory("noctua-hive-catalog");
        metastore = ThriftMetastore.start(directory.resolve("metastore"));
        Path data = directory.resolve("data");
        metastore.createDatabase(DB, data.toUri().toString());

        // delimited text, partitioned: one partition under the table's folder, one elsewhere under no key=value name,
        // and a folder the metastore does not list, which must not be read
        Path events = data.resolve("events");
        write(events.resolve("dt=2024-01-01/part-0.csv"), "1,login\n2,logout\n");
        write(data.resolve("archive/january-second/part-0.csv"), "3,login\n");
        write(events.resolve("dt=2024-01-03/part-0.csv"), "4,unlisted\n");
        metastore.createTable(DB, "events", columns("id", "int", "action", "string"), columns("dt", "string"),
                events.toUri().toString(), StorageFormat.TEXT);
        metastore.addPartition(DB, "events", List.of("2024-01-01"), events.resolve("dt=2024-01-01").toUri().toString());
        metastore.addPartition(DB, "events", List.of("2024-01-02"), data.resolve("archive/january-second").toUri().toString());

        Path people = data.resolve("people");
        write(people.resolve("a.json"), "{\"name\":\"ana\",\"age\":31,\"tags\":[\"x\",\"y\"]}\n{\"name\":\"bo\",\"age\":27,\"tags\":[]}\n");
        metastore.createTable(DB, "people", columns("name", "string", "age", "int", "tags", "array<string>"), List.of(),
                people.toUri().toString(), StorageFormat.JSON);

        metastore.createTable(DB, "avro_things", columns("id", "int"), List.of(), data.resolve("avro_things").toUri().toString(),
                new StorageFormat("org.apache.hadoop.hive.serde2.avro.AvroSerDe", "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat",
                        "org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat", Map.of()));
        metastore.createTable(DB, "empty_parquet", columns("id", "bigint"), List.of(), data.resolve("never-written").toUri().toString(),
                StorageFormat.PARQUET);

        running.client().createDataCatalog(r -> r.name(CATALOG).type(DataCatalogType.HIVE).description("the team's metastore")
                .parameters(Map.of("metastore-uri", metastore.uri())));
    }

    @AfterAll
    static void stopMetastore() {
        if (metastore != null) {
            metastore.close();
        }
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    private QueryExecution query(String sql, String catalog, String database) {
        String id = athena.startQueryExecution(r -> r.queryString(sql).workGroup("primary")
                .queryExecutionContext(c -> c.catalog(catalog).database(database))).queryExecutionId();
        return Athena.awaitQuery(athena, id);
    }

    private List<List<String>> rows(String sql, String catalog, String database) {
        QueryExecution done = query(sql, catalog, database);
        assertEquals(QueryExecutionState.SUCCEEDED, done.status().state(), () -> sql + ": " + done.status().stateChangeReason());
        return athena.getQueryResults(r -> r.queryExecutionId(done.queryExecutionId())).resultSet().rows().stream()
                .map(row -> row.data().stream().map(Datum::varCharValue).toList()).toList();
    }

    private String failure(String sql, String catalog, String database) {
        QueryExecution done = query(sql, catalog, database);
        assertEquals(QueryExecutionState.FAILED, done.status().state(), sql);
        assertEquals(2, done.status().athenaError().errorCategory(), () -> "a user error: " + done.status().stateChangeReason());
        return done.status().stateChangeReason();
    }

    @Test
    void queriesReadTheTablesOfTheMetastoreAsItListsThem() throws IOException {
        assertEquals(List.of(List.of("dt", "id", "action"), List.of("2024-01-01", "1", "login"), List.of("2024-01-01", "2", "logout"),
                        List.of("2024-01-02", "3", "login")),
                rows("SELECT dt, id, action FROM events ORDER BY id", CATALOG, DB),
                "the listed partitions, at their own locations, with the metastore's values; not the unlisted folder");
        assertEquals(List.of(List.of("n"), List.of("1")), rows("SELECT count(*) AS n FROM events WHERE dt = '2024-01-02'", CATALOG, DB));
        write(directory.resolve("data/archive/january-second/part-1.csv"), "5,login\n");
        assertEquals(List.of(List.of("n"), List.of("2")), rows("SELECT count(*) AS n FROM events WHERE dt = '2024-01-02'", CATALOG, DB),
                "a file added to a partition is read by the next query");
        Files.delete(directory.resolve("data/archive/january-second/part-1.csv"));
        assertEquals(List.of(List.of("name", "age", "n"), List.of("ana", "31", "2"), List.of("bo", "27", "0")),
                rows("SELECT name, age, cardinality(tags) AS n FROM people ORDER BY name", CATALOG, DB));
        assertEquals(List.of(List.of("n"), List.of("0")), rows("SELECT count(*) AS n FROM empty_parquet", CATALOG, DB),
                "a table whose folder does not exist yet has no rows");

        // from AwsDataCatalog, by three-part names, beside its own tables; the catalog's name in any case
        assertEquals(List.of(List.of("n"), List.of("3")),
                rows("SELECT count(*) AS n FROM " + CATALOG.toUpperCase() + "." + DB + ".events", "AwsDataCatalog", "default"));
        assertEquals(List.of(List.of("action", "n"), List.of("login", "2"), List.of("logout", "1")),
                rows("SELECT e.action, count(*) AS n FROM " + CATALOG + "." + DB + ".events e "
                        + "JOIN (SELECT 'login' AS action UNION ALL SELECT 'logout') k ON e.action = k.action GROUP BY e.action ORDER BY e.action",
                        "AwsDataCatalog", "default"));
        assertTrue(rows("SHOW TABLES", CATALOG, DB).toString().contains("people"));
        assertEquals(List.of(List.of("n"), List.of("3")), rows("SELECT count(*) AS n FROM events", CATALOG.toUpperCase(), DB),
                "QueryExecutionContext's Catalog in any case");
    }

    @Test
    void whatCannotBeReadOrDoneFailsAndSaysWhy() {
        assertTrue(failure("SELECT * FROM avro_things", CATALOG, DB).contains("SerDe org.apache.hadoop.hive.serde2.avro.AvroSerDe"));
        assertTrue(failure("SELECT * FROM nowhere", CATALOG, DB).contains("nowhere"));
        assertTrue(failure("SELECT 1", CATALOG, "no_such_db").contains("SCHEMA_NOT_FOUND"));

        String insert = failure("INSERT INTO events VALUES (9, 'x', '2024-01-09')", CATALOG, DB);
        assertTrue(insert.contains("does not support append"), insert);
        assertTrue(failure("CREATE TABLE made_here (id int)", CATALOG, DB).contains("cannot be created, changed or dropped through Noctua"));
        assertTrue(failure("DROP TABLE people", CATALOG, DB).contains("cannot be created, changed or dropped through Noctua"));
        assertTrue(failure("CREATE DATABASE " + CATALOG + ".made_here", "AwsDataCatalog", "default")
                .contains("cannot be created, changed or dropped through Noctua"));
        assertEquals(List.of(List.of("n"), List.of("2")), rows("SELECT count(*) AS n FROM people", CATALOG, DB), "the table is still there");
        assertFalse(Files.exists(directory.resolve("data/events/dt=2024-01-09")), "nothing was written");
    }

    @Test
    void catalogCallsReadTheMetastore() {
        List<String> databases = athena.listDatabases(r -> r.catalogName(CATALOG)).databaseList().stream()
                .map(software.amazon.awssdk.services.athena.model.Database::name).toList();
        assertTrue(databases.contains(DB) && databases.contains("default"), databases.toString());
        assertEquals(DB, athena.getDatabase(r -> r.catalogName(CATALOG).databaseName(DB)).database().name());

        List<String> tables = athena.listTableMetadata(r -> r.catalogName(CATALOG).databaseName(DB)).tableMetadataList().stream()
                .map(TableMetadata::name).toList();
        assertTrue(tables.containsAll(List.of("avro_things", "empty_parquet", "events", "people")), tables.toString());
        assertEquals(List.of("events"), athena.listTableMetadata(r -> r.catalogName(CATALOG).databaseName(DB).expression("ev*"))
                .tableMetadataList().stream().map(TableMetadata::name).toList());

        TableMetadata events = athena.getTableMetadata(r -> r.catalogName(CATALOG).databaseName(DB).tableName("events")).tableMetadata();
        assertEquals("EXTERNAL_TABLE", events.tableType());
        assertEquals(List.of("id:int", "action:string"), events.columns().stream().map(c -> c.name() + ":" + c.type()).toList());
        assertEquals(List.of("dt:string"), events.partitionKeys().stream().map(c -> c.name() + ":" + c.type()).toList());
        assertEquals("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", events.parameters().get("serde.serialization.lib"));
        assertEquals(",", events.parameters().get("serde.param.field.delim"));

        MetadataException missing = assertThrows(MetadataException.class,
                () -> athena.getTableMetadata(r -> r.catalogName(CATALOG).databaseName(DB).tableName("nowhere")));
        assertTrue(missing.awsErrorDetails().errorMessage().contains("nowhere"));
    }

    @Test
    void sparkSessionsNameTheCatalogsAsTheyAreWhenACalculationStarts() throws Exception {
        String sessionId = Athena.startIdleSession(athena);
        GetCalculationExecutionResponse read = running.server().runCompleted(sessionId,
                "%%sql\nSELECT count(*) AS n FROM " + CATALOG + "." + DB + ".events");
        assertTrue(running.server().readResult(read.result().stdOutS3Uri()).contains("|  3|"));

        // a catalog made after the session started, then deleted
        String later = "later_" + UUID.randomUUID().toString().substring(0, 8);
        athena.createDataCatalog(r -> r.name(later).type(DataCatalogType.HIVE).parameters(Map.of("metastore-uri", metastore.uri())));
        GetCalculationExecutionResponse named = running.server().runCompleted(sessionId,
                "%%sql\nSELECT name FROM " + later + "." + DB + ".people WHERE age > 30");
        assertTrue(running.server().readResult(named.result().stdOutS3Uri()).contains("ana"));
        athena.deleteDataCatalog(r -> r.name(later));
        GetCalculationExecutionResponse deleted = Athena.run(athena, sessionId, "%%sql\nSELECT name FROM " + later + "." + DB + ".people");
        assertEquals(CalculationExecutionState.FAILED, deleted.status().state());
        String stderr = running.server().readResult(deleted.result().stdErrorS3Uri());
        assertTrue(stderr.contains("Data catalog " + later + " was deleted") || stderr.contains(later), stderr);

        GetCalculationExecutionResponse write = Athena.run(athena, sessionId, "%%sql\nINSERT INTO " + CATALOG + "." + DB + ".people "
                + "SELECT 'cy', 40, array('z')");
        assertEquals(CalculationExecutionState.FAILED, write.status().state());

        // Parquet files Spark wrote, made a table of the metastore, read through the SQL API
        Path orders = directory.resolve("data/orders");
        running.server().runCompleted(sessionId, "%%sql\nINSERT OVERWRITE DIRECTORY '" + orders.toUri() + "' USING parquet "
                + "SELECT id, CAST(id * 1.5 AS DOUBLE) AS amount, named_struct('city', concat('c', id)) AS address FROM range(10)");
        metastore.createTable(DB, "orders", columns("id", "bigint", "amount", "double", "address", "struct<city:string>"), List.of(),
                orders.toUri().toString(), StorageFormat.PARQUET);
        assertEquals(List.of(List.of("n", "total", "city"), List.of("10", "67.5", "c9")),
                rows("SELECT count(*) AS n, sum(amount) AS total, max(address.city) AS city FROM orders", CATALOG, DB));

        // the same files as a table Spark itself would have registered: its schema in the table's properties, the Hive
        // columns a placeholder, the files at the SerDe's "path"
        metastore.createTable(DB, "spark_orders", columns("col", "array<string>"), List.of(), directory.resolve("data/spark_orders").toUri().toString(),
                StorageFormat.PARQUET);
        org.apache.hadoop.hive.metastore.HiveMetaStoreClient client = metastore.client();
        try {
            org.apache.hadoop.hive.metastore.api.Table table = client.getTable(DB, "spark_orders");
            table.getParameters().put("spark.sql.sources.provider", "parquet");
            table.getParameters().put("spark.sql.sources.schema.numParts", "1");
            table.getParameters().put("spark.sql.sources.schema.part.0", "{\"type\":\"struct\",\"fields\":["
                    + "{\"name\":\"id\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}},"
                    + "{\"name\":\"amount\",\"type\":\"double\",\"nullable\":true,\"metadata\":{}}]}");
            table.getSd().getSerdeInfo().getParameters().put("path", orders.toUri().toString());
            client.alter_table(DB, "spark_orders", table);
        }
        finally {
            client.close();
        }
        assertEquals(List.of(List.of("n", "total"), List.of("10", "67.5")),
                rows("SELECT count(*) AS n, sum(amount) AS total FROM spark_orders", CATALOG, DB));
        TableMetadata sparkOrders = athena.getTableMetadata(r -> r.catalogName(CATALOG).databaseName(DB).tableName("spark_orders")).tableMetadata();
        assertEquals(List.of("id:bigint", "amount:double"), sparkOrders.columns().stream().map(c -> c.name() + ":" + c.type()).toList(),
                "the columns Spark keeps, not the placeholder");
        athena.terminateSession(r -> r.sessionId(sessionId));
    }

    /** PySpark's DataFrame API reaches the catalog as SQL does (runs where pyspark is on PYTHONPATH; CI has none). */
    @Test
    void pythonCellsReadTheCatalogThroughTheDataFrameApi() {
        String missing = io.noctua.testing.Pyspark.missing();
        org.junit.jupiter.api.Assumptions.assumeTrue(missing == null, missing);
        String sessionId = Athena.startIdleSession(athena);
        GetCalculationExecutionResponse done = running.server().runCompleted(sessionId, "events = spark.table('" + CATALOG + "." + DB
                + ".events')\nprint(events.where(\"dt = '2024-01-01'\").count(), sorted(r.action for r in events.collect()))");
        assertEquals("2 ['login', 'login', 'logout']\n", running.server().readResult(done.result().stdOutS3Uri()));
        athena.terminateSession(r -> r.sessionId(sessionId));
    }

    @Test
    void icebergTablesOfTheMetastoreAreReadThroughIceberg() {
        // a session writes an Iceberg table into the metastore through Iceberg's own catalog, as a user's Spark job would
        String sessionId = Athena.startIdleSession(athena, Map.of("spark.sql.catalog.ice", "org.apache.iceberg.spark.SparkCatalog",
                "spark.sql.catalog.ice.type", "hive", "spark.sql.catalog.ice.uri", metastore.uri()));
        running.server().runCompleted(sessionId, "%%sql\nCREATE TABLE ice." + DB + ".ice_orders (id bigint, item string) USING iceberg");
        running.server().runCompleted(sessionId, "%%sql\nINSERT INTO ice." + DB + ".ice_orders VALUES (1, 'a'), (2, 'b')");
        GetCalculationExecutionResponse snapshots = running.server().runCompleted(sessionId,
                "%%sql\nSELECT snapshot_id FROM ice." + DB + ".ice_orders.snapshots");
        java.util.regex.Matcher first = java.util.regex.Pattern.compile("\\|\\s*(\\d+)\\|")
                .matcher(running.server().readResult(snapshots.result().stdOutS3Uri()));
        assertTrue(first.find());
        String snapshot = first.group(1);
        running.server().runCompleted(sessionId, "%%sql\nINSERT INTO ice." + DB + ".ice_orders VALUES (3, 'c')");
        athena.terminateSession(r -> r.sessionId(sessionId));

        assertEquals(List.of(List.of("n", "items"), List.of("3", "abc")),
                rows("SELECT count(*) AS n, concat_ws('', sort_array(collect_list(item))) AS items FROM ice_orders", CATALOG, DB));
        assertEquals(List.of(List.of("n"), List.of("2")), rows("SELECT count(*) AS n FROM ice_orders VERSION AS OF " + snapshot, CATALOG, DB),
                "an earlier snapshot, by time travel");
        assertTrue(failure("INSERT INTO ice_orders VALUES (4, 'd')", CATALOG, DB).contains("does not support append"));
        assertTrue(failure("SELECT * FROM events VERSION AS OF 1", CATALOG, DB).contains("keeps no versions"));
        assertEquals("ICEBERG", athena.getTableMetadata(r -> r.catalogName(CATALOG).databaseName(DB).tableName("ice_orders"))
                .tableMetadata().parameters().get("table_type"));
    }

    @Test
    void theConsolesSqlViewQueriesTheCatalog() throws Exception {
        String missing = io.noctua.testing.Browser.missing();
        org.junit.jupiter.api.Assumptions.assumeTrue(missing == null, missing);
        try (io.noctua.testing.Browser browser = io.noctua.testing.Browser.start()) {
            browser.open(running.server().endpoint() + "/console#sql");
            browser.await("#sql-catalog option[value='" + CATALOG + "']", Duration.ofSeconds(30));
            browser.script("const s = document.getElementById('sql-catalog'); s.value = '" + CATALOG + "'; "
                    + "s.dispatchEvent(new Event('change')); return true");
            browser.await("#sql-database option[value='" + DB + "']", Duration.ofSeconds(30));
            browser.script("document.getElementById('sql-database').value = '" + DB + "'; return true");
            browser.type(browser.await("#sql-query", Duration.ofSeconds(10)), "SELECT count(*) AS n FROM events");
            browser.click("#sql-run", Duration.ofSeconds(10));
            browser.await("#sql-execution .state[data-state='SUCCEEDED']", Duration.ofSeconds(60));
            browser.await("#sql-result tbody tr", Duration.ofSeconds(20));
            assertEquals("[[\"3\"]]", browser.script("return JSON.stringify([...document.querySelectorAll('#sql-result tbody tr')]"
                    + ".map((tr) => [...tr.querySelectorAll('td:not(.rownum)')].map((td) => td.textContent)))").asText());
            String id = browser.script("return document.getElementById('sql-execution').dataset.query").asText();
            assertEquals(CATALOG, athena.getQueryExecution(r -> r.queryExecutionId(id)).queryExecution().queryExecutionContext().catalog());
        }
    }

    @Test
    void aMetastoreThatCannotBeReachedAndBadParametersAreTheCallersToMend() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        String gone = "gone_" + UUID.randomUUID().toString().substring(0, 8);
        int port = closedPort;
        athena.createDataCatalog(r -> r.name(gone).type(DataCatalogType.HIVE).parameters(Map.of("metastore-uri", "thrift://127.0.0.1:" + port)));
        MetadataException unreachable = assertThrows(MetadataException.class, () -> athena.listDatabases(r -> r.catalogName(gone)));
        String message = unreachable.awsErrorDetails().errorMessage();
        assertTrue(message.startsWith("The Hive metastore at thrift://127.0.0.1:" + port + " cannot be reached: ")
                && message.indexOf("cannot be reached") == message.lastIndexOf("cannot be reached"), message);
        assertTrue(failure("SELECT * FROM t", gone, "default").contains("thrift://127.0.0.1:" + port));

        for (Map<String, String> bad : List.of(Map.of("metastore-uri", "http://127.0.0.1:9083"), Map.of("metastore-uri", "thrift://host"),
                Map.of("metastore-uri", "thrift://127.0.0.1:9083", "metadata-function", "arn:aws:lambda:us-east-1:123456789012:function:f"),
                Map.of("metastore-uri", "thrift://127.0.0.1:99999"))) {
            InvalidRequestException refused = assertThrows(InvalidRequestException.class,
                    () -> athena.createDataCatalog(r -> r.name("bad_" + UUID.randomUUID().toString().substring(0, 8)).type(DataCatalogType.HIVE)
                            .parameters(bad)), bad.toString());
            assertTrue(refused.awsErrorDetails().errorMessage().contains("metastore-uri"), refused.awsErrorDetails().errorMessage());
        }

        // pointed at the right metastore, the same catalog is read
        athena.updateDataCatalog(r -> r.name(gone).type(DataCatalogType.HIVE).parameters(Map.of("metastore-uri", metastore.uri())));
        assertEquals(List.of(List.of("n"), List.of("2")), rows("SELECT count(*) AS n FROM people", gone, DB));
        athena.deleteDataCatalog(r -> r.name(gone));
    }
}
