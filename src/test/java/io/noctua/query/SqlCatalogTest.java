package io.noctua.query;

import io.noctua.testing.Athena;
import io.noctua.testing.ServerExtension;
import io.noctua.testing.TestingS3;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.Column;
import software.amazon.awssdk.services.athena.model.DataCatalogType;
import software.amazon.awssdk.services.athena.model.Datum;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;
import software.amazon.awssdk.services.athena.model.MetadataException;
import software.amazon.awssdk.services.athena.model.QueryExecution;
import software.amazon.awssdk.services.athena.model.Row;
import software.amazon.awssdk.services.athena.model.TableMetadata;

import java.util.List;
import java.util.UUID;

import static io.noctua.query.QueryApiTest.succeeded;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SQL API and the Spark sessions share one catalog: a database, external tables over S3 text
 * files and a view made through StartQueryExecution are read from a Spark calculation, and a table
 * made in a calculation is read through the SQL API; Athena's data-catalog calls show them all.
 */
class SqlCatalogTest {
    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private final TestingServer server = running.server();
    private final AthenaClient athena = running.client();

    private List<List<String>> rows(QueryExecution query) {
        return athena.getQueryResults(r -> r.queryExecutionId(query.queryExecutionId())).resultSet().rows().stream()
                .map(SqlCatalogTest::values).toList();
    }

    private static List<String> values(Row row) {
        return row.data().stream().map(Datum::varCharValue).toList();
    }

    @Test
    void tablesMadeThroughSqlAreReadBySparkAndTheOtherWayRound() {
        String database = "sqlcat_" + UUID.randomUUID().toString().substring(0, 8);
        String prefix = "s3://noctua-results/fixtures/" + database + "/people/";
        TestingS3.shared().put(prefix + "part-0.csv", "1,ada,36\n2,grace,45\n");
        TestingS3.shared().put(prefix + "part-1.csv", "3,edsger,72\n");

        QueryExecution created = succeeded(athena, "CREATE DATABASE " + database);
        assertEquals("DDL", created.statementTypeAsString());
        assertEquals("CREATE_DATABASE", created.substatementType());
        assertTrue(created.resultConfiguration().outputLocation().endsWith(".txt"));
        QueryExecution table = succeeded(athena, "CREATE EXTERNAL TABLE " + database + ".people (id INT, name STRING, age INT) "
                + "ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' STORED AS TEXTFILE LOCATION '" + prefix + "'");
        assertEquals("CREATE_TABLE", table.substatementType());
        succeeded(athena, "CREATE OR REPLACE VIEW " + database + ".elders AS SELECT name FROM " + database + ".people WHERE age > 40");

        String countId = athena.startQueryExecution(r -> r.queryString("SELECT count(*) AS n, sum(age) AS total FROM people")
                .queryExecutionContext(c -> c.database(database))).queryExecutionId();
        QueryExecution counted = QueryApiTest.await(athena, countId);
        assertEquals(List.of(List.of("n", "total"), List.of("3", "153")), rows(counted));
        assertTrue(counted.statistics().dataScannedInBytes() > 0, "data scanned: " + counted.statistics().dataScannedInBytes());
        assertEquals(List.of(List.of("name"), List.of("edsger"), List.of("grace")),
                rows(succeeded(athena, "SELECT name FROM " + database + ".elders ORDER BY name")));
        QueryExecution shown = succeeded(athena, "SHOW TABLES IN " + database);
        assertEquals("SHOW_TABLES", shown.substatementType());
        assertTrue(server.readResult(shown.resultConfiguration().outputLocation()).contains("people"));

        // Spark sees them at once, and what Spark makes the SQL API sees
        String sessionId = Athena.startIdleSession(athena);
        GetCalculationExecutionResponse read = server.runCompleted(sessionId, "%%sql\nSELECT count(*) AS n FROM " + database + ".elders");
        assertTrue(server.readResult(read.result().stdOutS3Uri()).contains("|  2|"), server.readResult(read.result().stdOutS3Uri()));
        server.runCompleted(sessionId, "%%sql\nCREATE TABLE " + database + ".made_in_spark USING parquet AS SELECT 5 AS x, 'five' AS y");
        athena.terminateSession(r -> r.sessionId(sessionId));
        assertEquals(List.of(List.of("x", "y"), List.of("5", "five")),
                rows(succeeded(athena, "SELECT x, y FROM " + database + ".made_in_spark")));

        // the data-catalog calls
        assertEquals(DataCatalogType.GLUE, athena.listDataCatalogs(r -> { }).dataCatalogsSummary().get(0).type());
        assertEquals("AwsDataCatalog", athena.getDataCatalog(r -> r.name("AwsDataCatalog")).dataCatalog().name());
        assertTrue(athena.listDatabasesPaginator(r -> r.catalogName("AwsDataCatalog")).databaseList().stream()
                .anyMatch(d -> d.name().equals(database)));
        assertEquals(database, athena.getDatabase(r -> r.catalogName("AwsDataCatalog").databaseName(database)).database().name());
        List<TableMetadata> tables = athena.listTableMetadata(r -> r.catalogName("AwsDataCatalog").databaseName(database))
                .tableMetadataList();
        assertEquals(List.of("elders", "made_in_spark", "people"), tables.stream().map(TableMetadata::name).toList());
        assertEquals(List.of("people"), athena.listTableMetadata(r -> r.catalogName("AwsDataCatalog").databaseName(database)
                .expression("peo*")).tableMetadataList().stream().map(TableMetadata::name).toList());
        TableMetadata people = athena.getTableMetadata(r -> r.catalogName("AwsDataCatalog").databaseName(database).tableName("people"))
                .tableMetadata();
        assertEquals("EXTERNAL_TABLE", people.tableType());
        assertEquals(List.of("id:int", "name:string", "age:int"), people.columns().stream().map(c -> c.name() + ":" + c.type()).toList());
        assertEquals(prefix.substring(0, prefix.length() - 1), people.parameters().get("location").replaceAll("/$", ""));
        assertEquals("org.apache.hadoop.mapred.TextInputFormat", people.parameters().get("inputformat"));
        assertEquals(",", people.parameters().get("serde.param.field.delim"));
        assertEquals("VIRTUAL_VIEW", athena.getTableMetadata(r -> r.catalogName("AwsDataCatalog").databaseName(database).tableName("elders"))
                .tableMetadata().tableType());
        MetadataException missing = assertThrows(MetadataException.class,
                () -> athena.getTableMetadata(r -> r.catalogName("AwsDataCatalog").databaseName(database).tableName("nope")));
        assertEquals("Table nope not found in database " + database, missing.awsErrorDetails().errorMessage());
        assertThrows(MetadataException.class, () -> athena.getDatabase(r -> r.catalogName("AwsDataCatalog").databaseName("no_such_db_x")));

        succeeded(athena, "DROP VIEW " + database + ".elders");
        succeeded(athena, "DROP TABLE " + database + ".people");
        assertEquals(List.of("made_in_spark"), athena.listTableMetadata(r -> r.catalogName("AwsDataCatalog").databaseName(database))
                .tableMetadataList().stream().map(TableMetadata::name).toList());
        // an external table's files outlive it
        assertEquals("3,edsger,72\n", TestingS3.shared().read(prefix + "part-1.csv"));
        List<Column> keys = athena.getTableMetadata(r -> r.catalogName("AwsDataCatalog").databaseName(database).tableName("made_in_spark"))
                .tableMetadata().partitionKeys();
        assertEquals(List.of(), keys);
    }
}
