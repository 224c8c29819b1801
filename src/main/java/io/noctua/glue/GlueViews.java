package io.noctua.glue;

import io.noctua.api.glue.GlueShapes;
import io.noctua.api.glue.InvalidInputException;
import io.noctua.engine.MetastoreCatalog;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Between Glue's shapes and the catalog's records. */
final class GlueViews {
    /** The one version of a table the catalog keeps. */
    static final String VERSION_ID = "0";

    private GlueViews() {
    }

    static GlueShapes.Database database(MetastoreCatalog.Database database) {
        return new GlueShapes.Database(database.name(), database.description(), database.locationUri(), database.parameters(), null,
                GlueService.CATALOG_ID);
    }

    static GlueShapes.Table table(MetastoreCatalog.Table table) {
        boolean view = "VIRTUAL_VIEW".equals(table.tableType());
        return new GlueShapes.Table(table.name(), table.database(), table.comment(), table.owner(), table.createTime(), table.createTime(),
                table.lastAccessTime(), 0, storageDescriptor(table, table.storage(), true), columns(table.partitionKeys()),
                view ? table.viewText() : null, view ? table.viewText() : null, table.tableType(), table.parameters(), null, false,
                GlueService.CATALOG_ID, VERSION_ID);
    }

    static GlueShapes.Partition partition(MetastoreCatalog.Table table, MetastoreCatalog.Partition partition, boolean withColumns) {
        return new GlueShapes.Partition(partition.values(), table.database(), table.name(), partition.createTime(), partition.lastAccessTime(),
                storageDescriptor(table, partition.storage(), withColumns), partition.parameters(), GlueService.CATALOG_ID);
    }

    private static GlueShapes.StorageDescriptor storageDescriptor(MetastoreCatalog.Table table, MetastoreCatalog.Storage storage,
                                                                  boolean withColumns) {
        return new GlueShapes.StorageDescriptor(withColumns ? columns(table.columns()) : null, storage.location(), null,
                storage.inputFormat(), storage.outputFormat(), storage.compressed(), table.numberOfBuckets() > 0 ? table.numberOfBuckets() : -1,
                new GlueShapes.SerDeInfo(null, storage.serializationLibrary(), storage.serdeParameters()), table.bucketColumns(),
                table.sortColumns().stream().map(column -> new GlueShapes.Order(column, 1)).toList(), Map.of(), false);
    }

    private static List<GlueShapes.Column> columns(List<MetastoreCatalog.Column> columns) {
        return columns.stream().map(c -> new GlueShapes.Column(c.name(), c.type(), c.comment(), null)).toList();
    }

    /** A table as Glue's TableInput describes it, in {@code database}; {@code current} keeps its creation time when it is replaced. */
    static MetastoreCatalog.Table table(String database, GlueShapes.TableInput input, MetastoreCatalog.Table current) {
        GlueShapes.StorageDescriptor sd = input.storageDescriptor();
        boolean view = "VIRTUAL_VIEW".equals(input.tableType());
        String viewText = input.viewExpandedText() != null && !input.viewExpandedText().isBlank() ? input.viewExpandedText()
                : input.viewOriginalText();
        List<String> sortColumns = sd == null || sd.sortColumns() == null ? List.of()
                : sd.sortColumns().stream().map(GlueShapes.Order::column).toList();
        return new MetastoreCatalog.Table(database, input.name().toLowerCase(Locale.ROOT), input.tableType(),
                current == null ? Instant.now() : current.createTime(), input.lastAccessTime(),
                columns(sd == null ? null : sd.columns(), "StorageDescriptor.Columns"), columns(input.partitionKeys(), "PartitionKeys"),
                input.parameters(), storage(sd), view ? null : "hive", view ? viewText : null, input.description(), input.owner(),
                sd == null || sd.numberOfBuckets() == null ? 0 : Math.max(0, sd.numberOfBuckets()),
                sd == null ? List.of() : sd.bucketColumns(), sortColumns);
    }

    static MetastoreCatalog.Partition partition(GlueShapes.PartitionInput input) {
        if (input.values() == null || input.values().isEmpty()) {
            throw new InvalidInputException("A partition needs its Values, one for each partition key");
        }
        return new MetastoreCatalog.Partition(input.values(), input.storageDescriptor() == null ? null : storage(input.storageDescriptor()),
                input.parameters(), null, input.lastAccessTime());
    }

    private static MetastoreCatalog.Storage storage(GlueShapes.StorageDescriptor sd) {
        if (sd == null) {
            return new MetastoreCatalog.Storage(null, null, null, null, Map.of(), false);
        }
        GlueShapes.SerDeInfo serde = sd.serdeInfo();
        return new MetastoreCatalog.Storage(sd.location(), sd.inputFormat(), sd.outputFormat(), serde == null ? null : serde.serializationLibrary(),
                serde == null ? Map.of() : serde.parameters(), Boolean.TRUE.equals(sd.compressed()));
    }

    private static List<MetastoreCatalog.Column> columns(List<GlueShapes.Column> columns, String what) {
        if (columns == null) {
            return List.of();
        }
        for (GlueShapes.Column column : columns) {
            if (column.name() == null || column.type() == null) {
                throw new InvalidInputException("Every column of " + what + " needs a Name and a Type");
            }
        }
        return columns.stream().map(c -> new MetastoreCatalog.Column(c.name().toLowerCase(Locale.ROOT), c.type(), c.comment())).toList();
    }
}
