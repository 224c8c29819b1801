package io.noctua.engine.hive;

import io.noctua.engine.MetastoreCatalog;
import org.apache.hadoop.hive.metastore.api.Database;
import org.apache.hadoop.hive.metastore.api.FieldSchema;
import org.apache.hadoop.hive.metastore.api.StorageDescriptor;
import org.apache.hadoop.hive.metastore.api.Table;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A remote Hive metastore's databases and tables in the terms Noctua's catalog calls show its own in
 * ({@link MetastoreCatalog}'s records), for ListDatabases, GetTableMetadata and the others on a HIVE data catalog.
 */
public final class RemoteMetadata implements io.noctua.engine.CatalogReader {
    private final RemoteMetastore metastore;

    public RemoteMetadata(String uri) {
        this.metastore = RemoteMetastore.at(uri);
    }

    @Override
    public List<String> databases() {
        return metastore.databases().stream().sorted().toList();
    }

    @Override
    public Optional<MetastoreCatalog.Database> database(String name) {
        return metastore.database(name).map(RemoteMetadata::database);
    }

    @Override
    public List<String> tableNames(String database, String pattern) {
        return metastore.tableNames(database, pattern).stream().sorted().toList();
    }

    @Override
    public Optional<MetastoreCatalog.Table> table(String database, String name) {
        return metastore.table(database, name).map(RemoteMetadata::table);
    }

    @Override
    public List<MetastoreCatalog.Table> tables(String database, List<String> names) {
        return metastore.tables(database, names).stream().map(RemoteMetadata::table).toList();
    }

    private static MetastoreCatalog.Database database(Database database) {
        return new MetastoreCatalog.Database(database.getName(), database.getDescription(), database.getLocationUri(),
                database.getParameters() == null ? Map.of() : database.getParameters());
    }

    private static MetastoreCatalog.Table table(Table table) {
        Map<String, String> parameters = table.getParameters() == null ? Map.of() : table.getParameters();
        StorageDescriptor sd = table.getSd();
        boolean sparkTable = RemoteTables.hasSparkSchema(table);
        List<MetastoreCatalog.Column> columns = sparkTable ? columns(RemoteTables.dataSchema(table))
                : columns(sd == null ? List.of() : sd.getCols());
        List<MetastoreCatalog.Column> partitionKeys = sparkTable ? columns(RemoteTables.partitionSchema(table))
                : columns(table.getPartitionKeys() == null ? List.of() : table.getPartitionKeys());
        MetastoreCatalog.Storage storage = sd == null ? new MetastoreCatalog.Storage(null, null, null, null, Map.of(), false)
                : new MetastoreCatalog.Storage(RemoteTables.location(table), sd.getInputFormat(), sd.getOutputFormat(),
                sd.getSerdeInfo() == null ? null : sd.getSerdeInfo().getSerializationLib(),
                sd.getSerdeInfo() == null || sd.getSerdeInfo().getParameters() == null ? Map.of() : sd.getSerdeInfo().getParameters(),
                sd.isCompressed());
        return new MetastoreCatalog.Table(table.getDbName(), table.getTableName(), table.getTableType(), seconds(table.getCreateTime()),
                seconds(table.getLastAccessTime()), columns, partitionKeys, parameters, storage,
                parameters.getOrDefault(RemoteTables.PROVIDER, "hive"), table.getViewOriginalText(), parameters.get("comment"),
                table.getOwner(), sd == null ? 0 : Math.max(sd.getNumBuckets(), 0), sd == null ? List.of() : sd.getBucketCols(), List.of());
    }

    private static Instant seconds(int epochSeconds) {
        return epochSeconds <= 0 ? null : Instant.ofEpochSecond(epochSeconds);
    }

    private static List<MetastoreCatalog.Column> columns(List<FieldSchema> fields) {
        return fields.stream().map(field -> new MetastoreCatalog.Column(field.getName(), field.getType(), field.getComment())).toList();
    }

    private static List<MetastoreCatalog.Column> columns(StructType struct) {
        return java.util.Arrays.stream(struct.fields()).map(RemoteMetadata::column).toList();
    }

    private static MetastoreCatalog.Column column(StructField field) {
        return new MetastoreCatalog.Column(field.name(), field.dataType().catalogString(),
                field.getComment().isDefined() ? field.getComment().get() : null);
    }
}
