package io.noctua.engine.hive;

import org.apache.hadoop.hive.metastore.api.FieldSchema;
import org.apache.hadoop.hive.metastore.api.Partition;
import org.apache.hadoop.hive.metastore.api.StorageDescriptor;
import org.apache.hadoop.hive.metastore.api.Table;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.parser.CatalystSqlParser$;
import org.apache.spark.sql.catalyst.util.CharVarcharUtils;
import org.apache.spark.sql.execution.datasources.NoopCache$;
import org.apache.spark.sql.execution.datasources.InMemoryFileIndex;
import org.apache.spark.sql.execution.datasources.PartitionPath;
import org.apache.spark.sql.execution.datasources.PartitionSpec;
import org.apache.spark.sql.execution.datasources.PartitioningAwareFileIndex;
import org.apache.spark.sql.execution.datasources.PartitioningUtils;
import org.apache.spark.sql.execution.datasources.csv.CSVFileFormat;
import org.apache.spark.sql.execution.datasources.json.JsonFileFormat;
import org.apache.spark.sql.execution.datasources.orc.OrcFileFormat;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat;
import org.apache.spark.sql.execution.datasources.v2.FileTable;
import org.apache.spark.sql.execution.datasources.v2.csv.CSVTable;
import org.apache.spark.sql.execution.datasources.v2.json.JsonTable;
import org.apache.spark.sql.execution.datasources.v2.orc.OrcTable;
import org.apache.spark.sql.execution.datasources.v2.parquet.ParquetTable;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A table of a remote Hive metastore as a Spark table that reads its files: the metastore's columns and partition keys
 * are its schema, its SerDe picks Spark's reader (Parquet, ORC, JSON, and CSV for delimited text), and a partitioned
 * table reads exactly the partitions the metastore lists, at their own locations, with the values the metastore gives
 * them (as Hive and Athena read it, not from directory names). The table can only be read: Noctua never writes to a
 * catalog it does not own. Tables Spark wrote as data source tables ({@code spark.sql.sources.provider}) are read with
 * the schema Spark kept for them. Iceberg tables are Iceberg's to read ({@link RemoteHiveCatalog}).
 */
final class RemoteTables {
    static final String PROVIDER = "spark.sql.sources.provider";
    private static final String TABLE_TYPE = "table_type";
    private static final String SCHEMA_PARTS = "spark.sql.sources.schema.numParts";
    private static final String SCHEMA_PART = "spark.sql.sources.schema.part.";
    private static final String PARTITION_COLUMNS = "spark.sql.sources.schema.numPartCols";
    private static final String PARTITION_COLUMN = "spark.sql.sources.schema.partCol.";
    private static final String LAZY_SIMPLE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe";
    private static final String OPEN_CSV = "org.apache.hadoop.hive.serde2.OpenCSVSerde";

    private RemoteTables() {
    }

    /** Whether Iceberg keeps the table (its metadata, snapshots and files), the metastore holding only its name and pointer. */
    static boolean isIceberg(Table table) {
        return table.getParameters() != null && "ICEBERG".equalsIgnoreCase(table.getParameters().get(TABLE_TYPE));
    }

    /** The data format Spark reads the table's files with, and the reader's options. */
    record Format(String name, Map<String, String> options) {
    }

    /** The readable Spark table for {@code table}, with its {@code partitions} (ignored for a table without partition keys). */
    static org.apache.spark.sql.connector.catalog.Table readable(String catalog, Table table, List<Partition> partitions, SparkSession spark) {
        String name = catalog + "." + table.getDbName() + "." + table.getTableName();
        Format format = format(table);
        StructType dataSchema = dataSchema(table);
        StructType partitionSchema = partitionSchema(table);
        PartitioningAwareFileIndex index = fileIndex(spark, table, partitions, format.options(), partitionSchema);
        StructType schema = dataSchema;
        for (StructField field : partitionSchema.fields()) {
            schema = schema.add(field);
        }
        CaseInsensitiveStringMap options = new CaseInsensitiveStringMap(format.options());
        scala.collection.immutable.Seq<String> noPaths = CollectionConverters.asScala(List.<String>of()).toSeq();
        Option<StructType> userSchema = Option.apply(schema);
        FileTable files = switch (format.name()) {
            case "parquet" -> new ParquetTable(name, spark, options, noPaths, userSchema, ParquetFileFormat.class) {
                @Override
                public PartitioningAwareFileIndex fileIndex() {
                    return index;
                }
            };
            case "orc" -> new OrcTable(name, spark, options, noPaths, userSchema, OrcFileFormat.class) {
                @Override
                public PartitioningAwareFileIndex fileIndex() {
                    return index;
                }
            };
            case "json" -> new JsonTable(name, spark, options, noPaths, userSchema, JsonFileFormat.class) {
                @Override
                public PartitioningAwareFileIndex fileIndex() {
                    return index;
                }
            };
            default -> new CSVTable(name, spark, options, noPaths, userSchema, CSVFileFormat.class) {
                @Override
                public PartitioningAwareFileIndex fileIndex() {
                    return index;
                }
            };
        };
        return new ReadOnlyTable(name, files, table.getParameters() == null ? Map.of() : table.getParameters());
    }

    /** How Spark reads the table's files; throws {@link RemoteCatalogException} for storage it cannot read. */
    static Format format(Table table) {
        String qualified = table.getDbName() + "." + table.getTableName();
        Map<String, String> parameters = table.getParameters() == null ? Map.of() : table.getParameters();
        if ("VIRTUAL_VIEW".equals(table.getTableType())) {
            throw new RemoteCatalogException(qualified + " is a view of the Hive metastore: Noctua reads its tables, not its views");
        }
        StorageDescriptor sd = table.getSd();
        Map<String, String> serde = sd == null || sd.getSerdeInfo() == null || sd.getSerdeInfo().getParameters() == null
                ? Map.of() : sd.getSerdeInfo().getParameters();
        String provider = parameters.get(PROVIDER);
        if (provider != null && !provider.equalsIgnoreCase("hive")) {
            String source = provider.toLowerCase(Locale.ROOT);
            Map<String, String> options = new HashMap<>(serde);
            options.remove("path");
            options.remove("serialization.format");
            return switch (source) {
                case "parquet", "orc", "json", "csv" -> new Format(source, options);
                case "org.apache.spark.sql.parquet", "org.apache.spark.sql.execution.datasources.parquet.parquetfileformat" -> new Format("parquet", options);
                default -> throw new RemoteCatalogException(qualified + " is a " + provider + " table: Noctua reads Parquet, ORC, JSON and "
                        + "delimited-text tables of a Hive metastore");
            };
        }
        String library = sd == null || sd.getSerdeInfo() == null || sd.getSerdeInfo().getSerializationLib() == null
                ? LAZY_SIMPLE : sd.getSerdeInfo().getSerializationLib();
        String lower = library.toLowerCase(Locale.ROOT);
        if (lower.contains("parquet")) {
            return new Format("parquet", Map.of());
        }
        if (lower.contains(".orc.")) {
            return new Format("orc", Map.of());
        }
        if (lower.contains("jsonserde")) {
            return new Format("json", Map.of());
        }
        if (library.equals(OPEN_CSV)) {
            Map<String, String> options = new HashMap<>();
            options.put("sep", serde.getOrDefault("separatorChar", ","));
            options.put("quote", serde.getOrDefault("quoteChar", "\""));
            options.put("escape", serde.getOrDefault("escapeChar", "\\"));
            header(qualified, parameters, options);
            return new Format("csv", options);
        }
        if (library.equals(LAZY_SIMPLE) || library.equals("org.apache.hadoop.hive.serde2.MetadataTypedColumnsetSerDe")) {
            String input = sd == null ? null : sd.getInputFormat();
            if (input != null && !input.equals("org.apache.hadoop.mapred.TextInputFormat")) {
                throw new RemoteCatalogException(qualified + " is stored with input format " + input + ": Noctua reads a "
                        + library + " table stored as text (org.apache.hadoop.mapred.TextInputFormat)");
            }
            Map<String, String> options = new HashMap<>();
            options.put("sep", delimiter(serde.getOrDefault("field.delim", serde.get("serialization.format"))));
            options.put("quote", ""); // Hive's delimited text has no quoting
            options.put("nullValue", serde.getOrDefault("serialization.null.format", "\\N"));
            if (serde.containsKey("escape.delim")) {
                options.put("escape", serde.get("escape.delim"));
            }
            header(qualified, parameters, options);
            return new Format("csv", options);
        }
        throw new RemoteCatalogException(qualified + " is stored with SerDe " + library + ": Noctua reads tables of a Hive metastore "
                + "stored as Parquet, ORC, JSON (JsonSerDe), delimited text (LazySimpleSerDe) or CSV (OpenCSVSerde)");
    }

    /** Hive's field delimiter: a character, or its code as decimal digits ({@code 1} for Ctrl-A). */
    private static String delimiter(String given) {
        if (given == null || given.isEmpty()) {
            return "\u0001";
        }
        if (given.length() > 1 && given.chars().allMatch(Character::isDigit)) {
            return String.valueOf((char) Integer.parseInt(given));
        }
        if (given.length() == 1 && Character.isDigit(given.charAt(0))) {
            return String.valueOf((char) (given.charAt(0) - '0'));
        }
        return given;
    }

    private static void header(String qualified, Map<String, String> parameters, Map<String, String> options) {
        String skip = parameters.get("skip.header.line.count");
        if (skip == null || skip.isBlank() || skip.trim().equals("0")) {
            return;
        }
        if (!skip.trim().equals("1")) {
            throw new RemoteCatalogException(qualified + " skips " + skip.trim() + " header lines (skip.header.line.count): Noctua reads "
                    + "text tables of a Hive metastore that skip none or one");
        }
        options.put("header", "true");
    }

    /** Whether Spark registered the table and kept its schema in the table's properties (its Hive columns a placeholder). */
    static boolean hasSparkSchema(Table table) {
        return table.getParameters() != null && table.getParameters().containsKey(PROVIDER) && table.getParameters().containsKey(SCHEMA_PARTS);
    }

    /** The table's columns other than its partition keys. */
    static StructType dataSchema(Table table) {
        if (hasSparkSchema(table)) {
            StructType whole = sparkSchema(table);
            List<String> partitionColumns = sparkPartitionColumns(table);
            StructType data = new StructType();
            for (StructField field : whole.fields()) {
                if (!partitionColumns.contains(field.name())) {
                    data = data.add(field);
                }
            }
            return data;
        }
        return struct(table.getSd() == null ? List.of() : table.getSd().getCols());
    }

    /** The table's partition keys, in order. */
    static StructType partitionSchema(Table table) {
        if (hasSparkSchema(table)) {
            StructType whole = sparkSchema(table);
            StructType partitions = new StructType();
            for (String column : sparkPartitionColumns(table)) {
                partitions = partitions.add(whole.apply(column));
            }
            return partitions;
        }
        return struct(table.getPartitionKeys() == null ? List.of() : table.getPartitionKeys());
    }

    /** The schema Spark keeps in a data source table's properties, in parts. */
    private static StructType sparkSchema(Table table) {
        Map<String, String> parameters = table.getParameters();
        int parts = Integer.parseInt(parameters.get(SCHEMA_PARTS));
        StringBuilder json = new StringBuilder();
        for (int i = 0; i < parts; i++) {
            json.append(parameters.getOrDefault(SCHEMA_PART + i, ""));
        }
        return (StructType) DataType.fromJson(json.toString());
    }

    private static List<String> sparkPartitionColumns(Table table) {
        Map<String, String> parameters = table.getParameters();
        int count = Integer.parseInt(parameters.getOrDefault(PARTITION_COLUMNS, "0"));
        List<String> columns = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            columns.add(parameters.get(PARTITION_COLUMN + i));
        }
        return columns;
    }

    private static StructType struct(List<FieldSchema> columns) {
        StructType struct = new StructType();
        for (FieldSchema column : columns) {
            DataType type;
            try {
                type = CharVarcharUtils.replaceCharVarcharWithString(CatalystSqlParser$.MODULE$.parseDataType(column.getType()));
            }
            catch (RuntimeException e) {
                throw new RemoteCatalogException("Column " + column.getName() + " has type " + column.getType()
                        + ", which Spark cannot read: " + e.getMessage(), e);
            }
            Metadata metadata = column.getComment() == null ? Metadata.empty()
                    : new org.apache.spark.sql.types.MetadataBuilder().putString("comment", column.getComment()).build();
            struct = struct.add(new StructField(column.getName(), type, true, metadata));
        }
        return struct;
    }

    /**
     * The table's files: those under its location, or, for a partitioned table, those directly in each listed
     * partition's location, with the partition's values from the metastore. A location that does not exist holds no rows.
     */
    private static PartitioningAwareFileIndex fileIndex(SparkSession spark, Table table, List<Partition> partitions,
                                                        Map<String, String> options, StructType partitionSchema) {
        List<org.apache.hadoop.fs.Path> roots = new ArrayList<>();
        List<PartitionPath> paths = new ArrayList<>();
        if (partitionSchema.length() == 0) {
            String location = location(table);
            if (location != null) {
                roots.add(new org.apache.hadoop.fs.Path(location));
            }
        }
        else {
            ZoneId zone = ZoneId.of(spark.sessionState().conf().sessionLocalTimeZone());
            for (Partition partition : partitions) {
                if (partition.getSd() == null || partition.getSd().getLocation() == null) {
                    continue;
                }
                org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(partition.getSd().getLocation());
                Object[] values = new Object[partitionSchema.length()];
                for (int i = 0; i < values.length; i++) {
                    DataType type = partitionSchema.fields()[i].dataType();
                    String value = i < partition.getValuesSize() ? partition.getValues().get(i) : null;
                    values[i] = value == null ? null : PartitioningUtils.castPartValueToDesiredType(type, value, zone);
                }
                roots.add(path);
                paths.add(new PartitionPath(new GenericInternalRow(values), path));
            }
        }
        PartitionSpec spec = new PartitionSpec(partitionSchema, CollectionConverters.asScala(paths).toSeq());
        return new InMemoryFileIndex(spark, CollectionConverters.asScala(roots).toSeq(),
                scala.collection.immutable.Map$.MODULE$.from(CollectionConverters.asScala(options)), Option.empty(),
                // listed afresh for each query, as Athena lists them: files added since the last query are read
                NoopCache$.MODULE$, Option.apply(spec), Option.empty());
    }

    /** Where a table's files are: a data source table's {@code path}, else the storage descriptor's location. */
    static String location(Table table) {
        StorageDescriptor sd = table.getSd();
        if (sd == null) {
            return null;
        }
        if (table.getParameters() != null && table.getParameters().containsKey(PROVIDER) && sd.getSerdeInfo() != null
                && sd.getSerdeInfo().getParameters() != null && sd.getSerdeInfo().getParameters().containsKey("path")) {
            return sd.getSerdeInfo().getParameters().get("path");
        }
        return sd.getLocation();
    }
}
