package io.noctua.engine.hive;

import org.apache.spark.sql.connector.catalog.MetadataColumn;
import org.apache.spark.sql.connector.catalog.SupportsMetadataColumns;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

import java.util.Map;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * A table of a remote metastore as Spark sees it through a HIVE data catalog: whatever reads it ({@code reader}: one of
 * Spark's file tables, or Iceberg's table), and nothing that writes. It is neither a file table nor Iceberg's, so no
 * rule of Spark's or Iceberg's that writes to one of those applies to it, and, having only BATCH_READ, it is refused by
 * Spark before any write starts.
 *
 * @param properties what DESCRIBE TABLE EXTENDED shows: the metastore's table parameters
 */
record ReadOnlyTable(String name, SupportsRead reader, Map<String, String> properties) implements SupportsRead, SupportsMetadataColumns {
    ReadOnlyTable {
        requireNonNull(name, "name is null");
        requireNonNull(reader, "reader is null");
        properties = Map.copyOf(properties);
    }

    @Override
    public StructType schema() {
        return reader.schema();
    }

    @Override
    public org.apache.spark.sql.connector.catalog.Column[] columns() {
        return reader.columns();
    }

    @Override
    public Transform[] partitioning() {
        return reader.partitioning();
    }

    @Override
    public Set<TableCapability> capabilities() {
        return Set.of(TableCapability.BATCH_READ);
    }

    @Override
    public ScanBuilder newScanBuilder(CaseInsensitiveStringMap options) {
        return reader.newScanBuilder(options);
    }

    /** Iceberg's {@code _file}, {@code _pos} and the like, where the reader has them. */
    @Override
    public MetadataColumn[] metadataColumns() {
        return reader instanceof SupportsMetadataColumns withColumns ? withColumns.metadataColumns() : new MetadataColumn[0];
    }
}
