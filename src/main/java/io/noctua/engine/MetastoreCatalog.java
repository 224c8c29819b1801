package io.noctua.engine;

import org.apache.spark.sql.catalyst.catalog.CatalogDatabase;
import org.apache.spark.sql.catalyst.catalog.CatalogTable;
import org.apache.spark.sql.catalyst.catalog.CatalogTableType;
import org.apache.spark.sql.catalyst.catalog.ExternalCatalog;
import org.apache.spark.sql.catalyst.util.CharVarcharUtils;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import scala.jdk.javaapi.CollectionConverters;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * The catalog the Spark sessions and the SQL API share (the Hive metastore), read directly through
 * Spark's external catalog, and shown in the catalog's own terms: Hive type names ({@code int},
 * {@code array<string>}), table types ({@code EXTERNAL_TABLE}, {@code VIRTUAL_VIEW}), storage
 * as Glue and Athena describe it.
 */
public final class MetastoreCatalog {
    /** Table properties Spark keeps for itself (the schema of data source tables, statistics). */
    private static final String SPARK_PROPERTIES = "spark.sql.";

    public record Database(String name, String description, String locationUri, Map<String, String> parameters) {
    }

    public record Column(String name, String type, String comment) {
    }

    /**
     * @param tableType {@code EXTERNAL_TABLE}, {@code MANAGED_TABLE} or {@code VIRTUAL_VIEW}
     * @param provider the data source ({@code parquet}, {@code iceberg}...) or {@code hive} for a Hive table
     */
    public record Table(String database, String name, String tableType, Instant createTime, Instant lastAccessTime,
                        List<Column> columns, List<Column> partitionKeys, Map<String, String> parameters, String location,
                        String inputFormat, String outputFormat, String serializationLibrary, Map<String, String> serdeParameters,
                        String provider, String viewText, String comment, String owner) {
    }

    private final Supplier<ExternalCatalog> catalog;

    MetastoreCatalog(Supplier<ExternalCatalog> catalog) {
        this.catalog = requireNonNull(catalog, "catalog is null");
    }

    public List<String> databases() {
        return CollectionConverters.asJava(catalog.get().listDatabases()).stream().sorted().toList();
    }

    public Optional<Database> database(String name) {
        ExternalCatalog external = catalog.get();
        if (!external.databaseExists(name)) {
            return Optional.empty();
        }
        CatalogDatabase database = external.getDatabase(name);
        return Optional.of(new Database(database.name(), emptyToNull(database.description()),
                database.locationUri() == null ? null : database.locationUri().toString(),
                new TreeMap<>(CollectionConverters.asJava(database.properties()))));
    }

    /** Table names of {@code database} matching a Hive pattern ({@code *} any text, {@code |} alternatives), sorted. */
    public List<String> tableNames(String database, String pattern) {
        ExternalCatalog external = catalog.get();
        return CollectionConverters.asJava(pattern == null ? external.listTables(database) : external.listTables(database, pattern))
                .stream().sorted().toList();
    }

    public Optional<Table> table(String database, String name) {
        ExternalCatalog external = catalog.get();
        if (!external.databaseExists(database) || !external.tableExists(database, name)) {
            return Optional.empty();
        }
        return Optional.of(table(external.getTable(database, name)));
    }

    private static Table table(CatalogTable table) {
        Set<String> partitionNames = Set.copyOf(CollectionConverters.asJava(table.partitionColumnNames()));
        List<Column> columns = new ArrayList<>();
        List<Column> partitionKeys = new ArrayList<>();
        for (StructField field : table.schema().fields()) {
            Column column = new Column(field.name(), hiveType(field), field.getComment().isDefined() ? field.getComment().get() : null);
            (partitionNames.contains(field.name()) ? partitionKeys : columns).add(column);
        }
        String tableType = tableType(table.tableType());
        Map<String, String> parameters = new TreeMap<>();
        CollectionConverters.asJava(table.properties()).forEach((key, value) -> {
            if (!key.startsWith(SPARK_PROPERTIES)) {
                parameters.put(key, value);
            }
        });
        if (table.tableType() == CatalogTableType.EXTERNAL()) {
            parameters.put("EXTERNAL", "TRUE");
        }
        var storage = table.storage();
        Map<String, String> serdeParameters = new LinkedHashMap<>(CollectionConverters.asJava(storage.properties()));
        String location = storage.locationUri().isDefined() ? storage.locationUri().get().toString() : null;
        return new Table(table.database(), table.identifier().table(), tableType, Instant.ofEpochMilli(table.createTime()),
                table.lastAccessTime() > 0 ? Instant.ofEpochMilli(table.lastAccessTime()) : null, columns, partitionKeys, parameters,
                location, option(storage.inputFormat()), option(storage.outputFormat()), option(storage.serde()), serdeParameters,
                option(table.provider()), option(table.viewText()), option(table.comment()), emptyToNull(table.owner()));
    }

    /** The type as the table was declared: {@code varchar(10)} stays that, though Spark reads it as a string. */
    private static String hiveType(StructField field) {
        scala.Option<DataType> raw = CharVarcharUtils.getRawType(field.metadata());
        return (raw.isDefined() ? raw.get() : field.dataType()).catalogString();
    }

    private static String tableType(CatalogTableType type) {
        if (type == CatalogTableType.VIEW()) {
            return "VIRTUAL_VIEW";
        }
        return type == CatalogTableType.EXTERNAL() ? "EXTERNAL_TABLE" : "MANAGED_TABLE";
    }

    private static String option(scala.Option<String> value) {
        return value.isDefined() ? value.get() : null;
    }

    private static String emptyToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }
}
