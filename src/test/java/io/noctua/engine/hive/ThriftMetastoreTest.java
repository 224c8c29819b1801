package io.noctua.engine.hive;

import io.noctua.testing.Processes;
import io.noctua.testing.ThriftMetastore;
import org.apache.hadoop.hive.metastore.HiveMetaStoreClient;
import org.apache.hadoop.hive.metastore.api.FieldSchema;
import org.apache.hadoop.hive.metastore.api.Partition;
import org.apache.hadoop.hive.metastore.api.Table;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.noctua.testing.ThriftMetastore.columns;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The test fixture {@link ThriftMetastore}: a Hive metastore in a JVM of its own, reached over Thrift as a user's would be. */
class ThriftMetastoreTest {
    @TempDir
    Path directory;

    @Test
    void aMetastoreOfItsOwnKeepsWhatItsClientsCreateAndEndsWithClose() throws Exception {
        Path metastoreDirectory = directory.resolve("metastore");
        String databaseLocation = "file:" + directory.resolve("lake/sales");
        String tableLocation = databaseLocation + "/orders";
        String partitionLocation = tableLocation + "/dt=2024-05-01";
        long pid;
        try (ThriftMetastore metastore = ThriftMetastore.start(metastoreDirectory)) {
            pid = metastore.pid();
            assertTrue(ProcessHandle.current().children().anyMatch(child -> child.pid() == pid), "a child JVM of the test's");
            assertTrue(metastore.uri().matches("thrift://127\\.0\\.0\\.1:[0-9]+"), metastore.uri());

            metastore.createDatabase("sales", databaseLocation);
            metastore.createTable("sales", "orders", columns("id", "bigint", "amount", "decimal(10,2)", "tags", "array<string>"),
                    columns("dt", "string"), tableLocation, ThriftMetastore.StorageFormat.PARQUET);
            metastore.addPartition("sales", "orders", List.of("2024-05-01"), partitionLocation);

            HiveMetaStoreClient client = new HiveMetaStoreClient(ThriftMetastore.clientConf(metastore.uri()));
            try {
                assertEquals(List.of("default", "sales"), client.getAllDatabases().stream().sorted().toList());
                assertEquals(databaseLocation, client.getDatabase("sales").getLocationUri());

                Table table = client.getTable("sales", "orders");
                assertEquals(List.of("id bigint", "amount decimal(10,2)", "tags array<string>"), described(table.getSd().getCols()));
                assertEquals(List.of("dt string"), described(table.getPartitionKeys()));
                assertEquals("EXTERNAL_TABLE", table.getTableType());
                assertEquals("TRUE", table.getParameters().get("EXTERNAL"));
                assertEquals(tableLocation, table.getSd().getLocation());
                assertEquals("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe", table.getSd().getSerdeInfo().getSerializationLib());
                assertEquals("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat", table.getSd().getInputFormat());
                assertEquals("org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat", table.getSd().getOutputFormat());

                assertEquals(List.of("dt=2024-05-01"), client.listPartitionNames("sales", "orders", (short) -1));
                Partition partition = client.getPartition("sales", "orders", List.of("2024-05-01"));
                assertEquals(List.of("2024-05-01"), partition.getValues());
                assertEquals(partitionLocation, partition.getSd().getLocation());
                assertEquals("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe", partition.getSd().getSerdeInfo().getSerializationLib());
            }
            finally {
                client.close();
            }
            // the metastore itself made the directories, and keeps its database and logs in its own directory
            assertTrue(Files.isDirectory(directory.resolve("lake/sales/orders/dt=2024-05-01")));
            assertTrue(Files.isDirectory(metastoreDirectory.resolve("metastore_db")));
            assertTrue(Files.exists(metastoreDirectory.resolve("derby.log")));
            assertTrue(metastore.log().contains("Started the new metaserver on port"), metastore.log());
        }
        assertTrue(Processes.ended(pid), "the metastore JVM ended with close()");
        assertTrue(ProcessHandle.current().children().noneMatch(child -> child.pid() == pid));
    }

    @Test
    void textAndJsonTablesRecordTheirSerDes() {
        try (ThriftMetastore metastore = ThriftMetastore.start(directory.resolve("metastore"))) {
            String location = "file:" + directory.resolve("lake");
            Table csv = metastore.createTable("default", "csv", columns("a", "string"), List.of(), location + "/csv",
                    ThriftMetastore.StorageFormat.text("|"));
            Table json = metastore.createTable("default", "json", columns("a", "string"), List.of(), location + "/json",
                    ThriftMetastore.StorageFormat.JSON);
            assertEquals("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", csv.getSd().getSerdeInfo().getSerializationLib());
            assertEquals(Map.of("field.delim", "|", "serialization.format", "|"), csv.getSd().getSerdeInfo().getParameters());
            assertEquals("org.apache.hadoop.mapred.TextInputFormat", csv.getSd().getInputFormat());
            assertEquals("org.apache.hive.hcatalog.data.JsonSerDe", json.getSd().getSerdeInfo().getSerializationLib());
        }
    }

    private static List<String> described(List<FieldSchema> columns) {
        return columns.stream().map(column -> column.getName() + " " + column.getType()).toList();
    }
}
