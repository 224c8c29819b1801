package io.noctua.glue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.noctua.testing.Commands;
import io.noctua.testing.ServerExtension;
import io.noctua.testing.TestingS3;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Glue Data Catalog API on the server's endpoint: through boto3's glue client
 * ({@code src/test/python/glue_boto3_catalog.py}, which also reads what it made through SQL and
 * Spark) and through the AWS CLI. Each part is skipped where its client is missing.
 */
class GlueCatalogTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SCRIPT = Path.of("src", "test", "python", "glue_boto3_catalog.py").toAbsolutePath();

    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private final TestingServer server = running.server();

    @Test
    void boto3GlueClientScriptPasses() {
        String missing = Commands.missing(List.of("python3", "-c", "import boto3"));
        assumeTrue(missing == null, missing);
        assertTrue(Files.isRegularFile(SCRIPT));
        Commands.Result result = Commands.run(List.of("python3", SCRIPT.toString(), server.endpoint().toString(),
                TestingS3.shared().endpoint().toString(), TestingS3.ACCESS_KEY_ID, TestingS3.SECRET_ACCESS_KEY), Map.of(),
                Duration.ofSeconds(300));
        assertEquals(0, result.exitCode(), "the Glue boto3 script failed:\n" + result);
    }

    private JsonNode aws(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("aws", "glue"));
        command.addAll(List.of(arguments));
        command.addAll(List.of("--endpoint-url", server.endpoint().toString(), "--region", "us-east-1", "--output", "json"));
        Commands.Result result = Commands.run(command, Map.of("AWS_ACCESS_KEY_ID", "test", "AWS_SECRET_ACCESS_KEY", "test",
                "AWS_PAGER", ""), Duration.ofSeconds(60));
        assertEquals(0, result.exitCode(), String.join(" ", command) + "\n" + result);
        return result.stdout().isBlank() ? JSON.createObjectNode() : JSON.readTree(result.stdout());
    }

    @Test
    void theAwsCliGlueCommandsWork() throws Exception {
        String missing = Commands.missing(List.of("aws", "--version"));
        assumeTrue(missing == null, missing);
        String db = "cli_" + UUID.randomUUID().toString().substring(0, 8);
        aws("create-database", "--database-input", "{\"Name\": \"" + db + "\", \"Description\": \"from the CLI\"}");
        assertEquals("from the CLI", aws("get-database", "--name", db).path("Database").path("Description").asText());
        aws("create-table", "--database-name", db, "--table-input", "{\"Name\": \"t\", \"TableType\": \"EXTERNAL_TABLE\", "
                + "\"PartitionKeys\": [{\"Name\": \"p\", \"Type\": \"int\"}], \"StorageDescriptor\": {\"Columns\": [{\"Name\": \"a\", "
                + "\"Type\": \"string\"}], \"Location\": \"s3://noctua-results/cli/" + db + "/t/\", \"InputFormat\": "
                + "\"org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat\", \"OutputFormat\": "
                + "\"org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat\", \"SerdeInfo\": {\"SerializationLibrary\": "
                + "\"org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe\"}}}");
        for (int p = 1; p <= 3; p++) {
            aws("create-partition", "--database-name", db, "--table-name", "t", "--partition-input", "{\"Values\": [\"" + p + "\"]}");
        }
        JsonNode partitions = aws("get-partitions", "--database-name", db, "--table-name", "t", "--expression", "p > 1");
        List<String> values = new ArrayList<>();
        partitions.path("Partitions").forEach(partition -> values.add(partition.path("Values").get(0).asText()));
        assertEquals(List.of("2", "3"), values); // compared as numbers: p is an int
        assertTrue(partitions.path("Partitions").get(0).path("StorageDescriptor").path("Location").asText().endsWith("/t/p=2"));
        JsonNode tables = aws("get-tables", "--database-name", db);
        assertEquals("t", tables.path("TableList").get(0).path("Name").asText());
        assertEquals("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
                tables.path("TableList").get(0).path("StorageDescriptor").path("SerdeInfo").path("SerializationLibrary").asText());
        aws("delete-database", "--name", db);
        assertTrue(aws("get-databases").path("DatabaseList").findValuesAsText("Name").stream().noneMatch(db::equals));
    }
}
