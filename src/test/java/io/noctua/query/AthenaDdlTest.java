package io.noctua.query;

import io.noctua.testing.ServerExtension;
import io.noctua.testing.TestingS3;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.Datum;
import software.amazon.awssdk.services.athena.model.QueryExecution;
import software.amazon.awssdk.services.athena.model.QueryExecutionState;
import software.amazon.awssdk.services.athena.model.TableMetadata;

import java.util.List;
import java.util.UUID;

import static io.noctua.query.QueryApiTest.await;
import static io.noctua.query.QueryApiTest.succeeded;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Athena's DDL, CTAS and UNLOAD forms through StartQueryExecution on real Spark: what they write,
 * what the catalog then holds, what reads back; and a clear failure for what is not supported.
 */
class AthenaDdlTest {
    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private final AthenaClient athena = running.client();
    private final String database = "ddl_" + UUID.randomUUID().toString().substring(0, 8);

    private List<List<String>> rows(String sql) {
        QueryExecution done = succeeded(athena, sql);
        return athena.getQueryResults(r -> r.queryExecutionId(done.queryExecutionId())).resultSet().rows().stream()
                .map(row -> row.data().stream().map(Datum::varCharValue).toList()).toList();
    }

    private String failure(String sql) {
        QueryExecution failed = await(athena, QueryApiTest.start(athena, sql));
        assertEquals(QueryExecutionState.FAILED, failed.status().state(), sql);
        assertEquals(2, failed.status().athenaError().errorCategory());
        return failed.status().stateChangeReason();
    }

    private TableMetadata table(String name) {
        return athena.getTableMetadata(r -> r.catalogName("AwsDataCatalog").databaseName(database).tableName(name)).tableMetadata();
    }

    @Test
    void createTableAsInEveryFormatPartitionedAndNot() {
        succeeded(athena, "CREATE DATABASE " + database);
        String location = "s3://noctua-results/ctas/" + database + "/sales/";
        QueryExecution ctas = succeeded(athena, "CREATE TABLE " + database + ".sales WITH (format = 'PARQUET', external_location = '"
                + location + "', partitioned_by = ARRAY['region']) AS SELECT id, id * 10 AS amount, CASE WHEN id % 2 = 0 THEN 'east' "
                + "ELSE 'west' END AS region FROM range(6)");
        assertEquals("DML", ctas.statementTypeAsString());
        assertEquals("CREATE_TABLE_AS_SELECT", ctas.substatementType());
        assertEquals(6L, athena.getQueryResults(r -> r.queryExecutionId(ctas.queryExecutionId())).updateCount());
        assertEquals(List.of(List.of("region", "n", "total"), List.of("east", "3", "60"), List.of("west", "3", "90")),
                rows("SELECT region, count(*) AS n, sum(amount) AS total FROM " + database + ".sales GROUP BY region ORDER BY region"));
        TableMetadata sales = table("sales");
        assertEquals(List.of("region"), sales.partitionKeys().stream().map(c -> c.name()).toList());
        assertEquals("EXTERNAL_TABLE", sales.tableType());
        assertTrue(sales.parameters().get("inputformat").contains("Parquet"), sales.parameters().toString());
        assertTrue(TestingS3.shared().keys("noctua-results", "ctas/" + database + "/sales/region=east/").size() > 0);
        assertEquals(List.of(List.of("region=east"), List.of("region=west")), // DDL results have no header row
                rows("SHOW PARTITIONS " + database + ".sales"));

        // no location: Parquet beside the query's result, under tables/<query id>/
        QueryExecution plain = succeeded(athena, "CREATE TABLE " + database + ".plain AS SELECT 'a' AS s, 1 AS n");
        String expected = plain.resultConfiguration().outputLocation().replaceAll("[^/]+$", "") + "tables/" + plain.queryExecutionId();
        assertEquals(expected, table("plain").parameters().get("location").replaceAll("/$", ""));
        assertTrue(table("plain").parameters().get("serde.serialization.lib").contains("Parquet"));
        QueryExecution inserted = succeeded(athena, "INSERT INTO " + database + ".plain VALUES ('b', 2), ('c', 3)");
        assertEquals("INSERT", inserted.substatementType());
        assertEquals(2L, athena.getQueryResults(r -> r.queryExecutionId(inserted.queryExecutionId())).updateCount());

        succeeded(athena, "CREATE TABLE " + database + ".piped WITH (format = 'TEXTFILE', field_delimiter = '|', external_location = "
                + "'s3://noctua-results/ctas/" + database + "/piped/') AS SELECT 1 AS a, 'x y' AS b");
        String text = TestingS3.shared().keys("noctua-results", "ctas/" + database + "/piped/").stream()
                .map(key -> TestingS3.shared().read("s3://noctua-results/" + key)).reduce("", String::concat);
        assertEquals("1|x y\n", text);
        succeeded(athena, "CREATE TABLE " + database + ".as_json WITH (format = 'JSON') AS SELECT 2 AS a, 'z' AS b");
        succeeded(athena, "CREATE TABLE " + database + ".as_orc WITH (format = 'ORC', write_compression = 'ZLIB') AS SELECT 3 AS a");
        succeeded(athena, "CREATE TABLE " + database + ".empty_copy AS SELECT * FROM " + database + ".sales WITH NO DATA");
        assertEquals(List.of(List.of("a", "b", "a", "a", "n")), rows("SELECT p.a, p.b, j.a, o.a, (SELECT count(*) FROM " + database
                + ".empty_copy) AS n FROM " + database + ".piped p, " + database + ".as_json j, " + database + ".as_orc o").subList(0, 1));
        assertEquals(List.of("1", "x y", "2", "3", "0"), rows("SELECT p.a, p.b, j.a, o.a, (SELECT count(*) FROM " + database
                + ".empty_copy) AS n FROM " + database + ".piped p, " + database + ".as_json j, " + database + ".as_orc o").get(1));

        // Athena's catalog statements, with its result columns
        List<List<String>> tables = rows("SHOW TABLES IN " + database);
        assertTrue(tables.contains(List.of("sales")) && tables.contains(List.of("plain")), tables.toString());
        assertTrue(rows("SHOW DATABASES").contains(List.of(database)));
        assertEquals(List.of(List.of("id"), List.of("amount"), List.of("region")), rows("SHOW COLUMNS IN " + database + ".sales"));
        assertTrue(rows("SHOW CREATE TABLE " + database + ".sales").toString().contains("PARTITIONED BY"));
        assertTrue(rows("DESCRIBE " + database + ".sales").toString().contains("amount"));
    }

    @Test
    void partitionsAddedByHandAndByRepair() {
        String db = database + "_p";
        succeeded(athena, "CREATE DATABASE " + db);
        String root = "s3://noctua-results/partitioned/" + db + "/logs/";
        TestingS3.shared().put(root + "dt=2024-01-01/a.csv", "1,hello\n");
        TestingS3.shared().put(root + "dt=2024-01-02/a.csv", "2,world\n");
        succeeded(athena, "CREATE EXTERNAL TABLE " + db + ".logs (id INT, message STRING) PARTITIONED BY (dt STRING) "
                + "ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION '" + root + "'");
        QueryExecution added = succeeded(athena, "ALTER TABLE " + db + ".logs ADD IF NOT EXISTS PARTITION (dt = '2024-01-01') LOCATION '"
                + root + "dt=2024-01-01/'");
        assertEquals("ALTER_TABLE_ADD_PARTITION", added.substatementType());
        assertEquals(List.of(List.of("n"), List.of("1")), rows("SELECT count(*) AS n FROM " + db + ".logs"));
        QueryExecution repaired = succeeded(athena, "MSCK REPAIR TABLE " + db + ".logs");
        assertEquals("MSCK_REPAIR_TABLE", repaired.substatementType());
        assertEquals(List.of(List.of("dt", "message"), List.of("2024-01-01", "hello"), List.of("2024-01-02", "world")),
                rows("SELECT dt, message FROM " + db + ".logs ORDER BY dt"));
        succeeded(athena, "ALTER TABLE " + db + ".logs DROP PARTITION (dt = '2024-01-01')");
        assertEquals(List.of(List.of("dt=2024-01-02")), rows("SHOW PARTITIONS " + db + ".logs"));
        succeeded(athena, "DROP DATABASE " + db + " CASCADE");
    }

    @Test
    void unloadWritesFilesOnceAndOnlyWhereNothingIs() {
        String target = "s3://noctua-results/unload/" + UUID.randomUUID() + "/";
        QueryExecution unloaded = succeeded(athena, "UNLOAD (SELECT id, concat('v', id) AS v FROM range(5)) TO '" + target
                + "' WITH (format = 'PARQUET')");
        assertEquals("UNLOAD", unloaded.substatementType());
        String prefix = target.substring("s3://noctua-results/".length());
        assertTrue(TestingS3.shared().keys("noctua-results", prefix).stream().anyMatch(key -> key.endsWith(".parquet")));
        assertEquals(List.of(List.of("n"), List.of("5")), rows("SELECT count(*) AS n FROM parquet.`" + target + "`"));
        assertEquals("The destination " + target + " is not empty: UNLOAD writes only where nothing is stored yet",
                failure("UNLOAD (SELECT 1) TO '" + target + "' WITH (format = 'PARQUET')"));

        String text = "s3://noctua-results/unload/" + UUID.randomUUID() + "/";
        succeeded(athena, "UNLOAD (SELECT 1 AS a, 'b' AS b) TO '" + text + "' WITH (format = 'TEXTFILE', field_delimiter = ',', "
                + "compression = 'none')");
        String written = TestingS3.shared().keys("noctua-results", text.substring("s3://noctua-results/".length())).stream()
                .filter(key -> !key.endsWith("_SUCCESS"))
                .map(key -> TestingS3.shared().read("s3://noctua-results/" + key)).reduce("", String::concat);
        assertEquals("1,b\n", written);
    }

    @Test
    void whatIsNotSupportedFailsTheQueryAndSaysWhat() {
        assertTrue(failure("CREATE TABLE t_ice WITH (table_type = 'ICEBERG') AS SELECT 1 AS x")
                .startsWith("CREATE TABLE AS with table_type = 'ICEBERG' is not supported"));
        assertEquals("UNLOAD with partitioned_by is not supported yet: write partitioned files with CREATE TABLE AS and partitioned_by",
                failure("UNLOAD (SELECT 1 AS p) TO 's3://noctua-results/x/' WITH (format = 'PARQUET', partitioned_by = ARRAY['p'])"));
        assertTrue(failure("SELEC 1").contains("PARSE_SYNTAX_ERROR"));
    }
}
