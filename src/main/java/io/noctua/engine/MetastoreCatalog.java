package io.noctua.engine;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.catalyst.analysis.NoSuchDatabaseException;
import org.apache.spark.sql.catalyst.analysis.NoSuchPartitionException;
import org.apache.spark.sql.catalyst.analysis.NoSuchTableException;
import org.apache.spark.sql.catalyst.catalog.BucketSpec;
import org.apache.spark.sql.catalyst.catalog.CatalogDatabase;
import org.apache.spark.sql.catalyst.catalog.CatalogStorageFormat;
import org.apache.spark.sql.catalyst.catalog.CatalogTable;
import org.apache.spark.sql.catalyst.catalog.CatalogTablePartition;
import org.apache.spark.sql.catalyst.catalog.CatalogTableType;
import org.apache.spark.sql.catalyst.catalog.ExternalCatalog;
import org.apache.spark.sql.catalyst.catalog.SessionCatalog;
import org.apache.spark.sql.catalyst.parser.CatalystSqlParser$;
import org.apache.spark.sql.catalyst.util.CharVarcharUtils;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

import java.net.URI;
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
 * The catalog the Spark sessions and the SQL API share (the Hive metastore), read and changed
 * directly through Spark's external catalog, and shown in the catalog's own terms: Hive type names
 * ({@code int}, {@code array<string>}), table types ({@code EXTERNAL_TABLE}, {@code VIRTUAL_VIEW}),
 * storage as Glue describes it. What it refuses is a {@link CatalogException} of a {@link Problem}.
 */
public final class MetastoreCatalog implements CatalogReader {
    /** Table properties Spark keeps for itself (the schema of data source tables, statistics). */
    private static final String SPARK_PROPERTIES = "spark.sql.";
    private static final String EXTERNAL = "EXTERNAL";
    private static final java.util.Comparator<Partition> BY_VALUES =
            java.util.Comparator.comparing(partition -> String.join("\u0000", partition.values()));

    public record Database(String name, String description, String locationUri, Map<String, String> parameters) {
    }

    public record Column(String name, String type, String comment) {
    }

    /** Where and how a table's or partition's files are kept. */
    public record Storage(String location, String inputFormat, String outputFormat, String serializationLibrary,
                          Map<String, String> serdeParameters, boolean compressed) {
        public Storage {
            serdeParameters = serdeParameters == null ? Map.of() : Map.copyOf(serdeParameters);
        }
    }

    /**
     * @param tableType {@code EXTERNAL_TABLE}, {@code MANAGED_TABLE} or {@code VIRTUAL_VIEW}
     * @param provider the data source ({@code parquet}, {@code iceberg}...) or {@code hive} for a Hive table
     */
    public record Table(String database, String name, String tableType, Instant createTime, Instant lastAccessTime,
                        List<Column> columns, List<Column> partitionKeys, Map<String, String> parameters, Storage storage,
                        String provider, String viewText, String comment, String owner, int numberOfBuckets, List<String> bucketColumns,
                        List<String> sortColumns) {
        public Table {
            columns = List.copyOf(columns);
            partitionKeys = List.copyOf(partitionKeys);
            parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
            bucketColumns = bucketColumns == null ? List.of() : List.copyOf(bucketColumns);
            sortColumns = sortColumns == null ? List.of() : List.copyOf(sortColumns);
        }
    }

    /** @param values the partition's values, in the order of the table's partition keys */
    public record Partition(List<String> values, Storage storage, Map<String, String> parameters, Instant createTime,
                            Instant lastAccessTime) {
        public Partition {
            values = List.copyOf(values);
            parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
        }
    }

    public enum Problem { NOT_FOUND, ALREADY_EXISTS, INVALID }

    public static final class CatalogException extends RuntimeException {
        private final Problem problem;

        CatalogException(Problem problem, String message) {
            super(message);
            this.problem = problem;
        }

        public Problem problem() {
            return problem;
        }
    }

    private final Supplier<SparkSession> root;

    /** {@code root} waits for Spark to be up. */
    MetastoreCatalog(Supplier<SparkSession> root) {
        this.root = requireNonNull(root, "root is null");
    }

    private ExternalCatalog external() {
        return root.get().sharedState().externalCatalog();
    }

    // ---- databases

    @Override
    public List<String> databases() {
        return CollectionConverters.asJava(external().listDatabases()).stream().sorted().toList();
    }

    @Override
    public Optional<Database> database(String name) {
        ExternalCatalog external = external();
        if (!external.databaseExists(name)) {
            return Optional.empty();
        }
        CatalogDatabase database = external.getDatabase(name);
        return Optional.of(new Database(database.name(), emptyToNull(database.description()),
                database.locationUri() == null ? null : database.locationUri().toString(),
                new TreeMap<>(CollectionConverters.asJava(database.properties()))));
    }

    /** Spark's session catalog over the external one: it qualifies locations as SQL's DDL does. */
    private SessionCatalog sessionCatalog() {
        return root.get().sessionState().catalog();
    }

    /** Creates {@code database}; without a location it goes under Spark's warehouse directory, as CREATE DATABASE puts it. */
    public void createDatabase(Database database) {
        SessionCatalog catalog = sessionCatalog();
        URI location = database.locationUri() != null ? uri(database.locationUri()) : catalog.getDefaultDBPath(database.name());
        run(() -> catalog.createDatabase(new CatalogDatabase(database.name(), database.description() == null ? "" : database.description(),
                location, scalaMap(database.parameters())), false));
    }

    /**
     * Replaces a database's parameters. The Hive metastore keeps a database's description and
     * location as they were made: a change of either is refused rather than dropped.
     */
    public void alterDatabase(Database database) {
        Database current = database(database.name()).orElseThrow(() -> notFound("Database " + database.name()));
        if (!java.util.Objects.equals(emptyToNull(database.description()), current.description())) {
            throw new CatalogException(Problem.INVALID, "The description of database " + database.name() + " cannot change: the metastore "
                    + "keeps it as the database was made (only its Parameters can change)");
        }
        if (database.locationUri() != null && !uri(database.locationUri()).equals(uri(current.locationUri()))) {
            throw new CatalogException(Problem.INVALID, "The location of database " + database.name() + " cannot change: the metastore "
                    + "keeps it as the database was made (only its Parameters can change)");
        }
        URI location = uri(current.locationUri());
        run(() -> sessionCatalog().alterDatabase(new CatalogDatabase(database.name(), database.description() == null ? "" : database.description(),
                location, scalaMap(database.parameters()))));
    }

    /** Drops the database with its tables and their partitions, as Glue's DeleteDatabase does. */
    public void dropDatabase(String name) {
        if (!external().databaseExists(name)) {
            throw notFound("Database " + name);
        }
        run(() -> sessionCatalog().dropDatabase(name, false, true));
    }

    // ---- tables

    /** Table names of {@code database} matching a Hive pattern ({@code *} any text, {@code |} alternatives), sorted. */
    @Override
    public List<String> tableNames(String database, String pattern) {
        ExternalCatalog external = external();
        return CollectionConverters.asJava(pattern == null ? external.listTables(database) : external.listTables(database, pattern))
                .stream().sorted().toList();
    }

    @Override
    public Optional<Table> table(String database, String name) {
        ExternalCatalog external = external();
        if (!external.databaseExists(database) || !external.tableExists(database, name)) {
            return Optional.empty();
        }
        return Optional.of(table(external.getTable(database, name)));
    }

    @Override
    public List<Table> tables(String database, List<String> names) {
        return CollectionConverters.asJava(external().getTablesByName(database, CollectionConverters.asScala(names).toList()))
                .stream().map(MetastoreCatalog::table).toList();
    }

    public void createTable(Table table) {
        requireDatabase(table.database());
        run(() -> sessionCatalog().createTable(catalogTable(table, System.currentTimeMillis()), false, false));
    }

    /** Replaces the definition of an existing table (not its name, nor its partition keys' names). */
    public void alterTable(Table table) {
        CatalogTable current = requireTable(table.database(), table.name());
        List<String> keys = table.partitionKeys().stream().map(Column::name).toList();
        if (!keys.equals(CollectionConverters.asJava(current.partitionColumnNames()))) {
            throw new CatalogException(Problem.INVALID, "The partition keys of " + table.database() + "." + table.name()
                    + " cannot change (they are " + CollectionConverters.asJava(current.partitionColumnNames()) + ")");
        }
        CatalogTable changed = catalogTable(table, current.createTime());
        run(() -> {
            // alterTable keeps the old columns: the data columns change through their own call
            sessionCatalog().alterTable(changed);
            if (!changed.dataSchema().equals(current.dataSchema())) {
                sessionCatalog().alterTableDataSchema(changed.identifier(), changed.dataSchema());
            }
        });
    }

    public void dropTable(String database, String name) {
        requireTable(database, name);
        run(() -> external().dropTable(database, name, false, false));
    }

    // ---- partitions

    public List<Partition> partitions(String database, String table) {
        return partitions(requireTable(database, table));
    }

    /** The table's partitions, in the order of their values. */
    private List<Partition> partitions(CatalogTable definition) {
        List<String> keys = CollectionConverters.asJava(definition.partitionColumnNames());
        List<Partition> partitions = new ArrayList<>();
        for (CatalogTablePartition partition : CollectionConverters.asJava(
                external().listPartitions(definition.database(), definition.identifier().table(), scala.Option.empty()))) {
            partitions.add(partition(partition, keys));
        }
        partitions.sort(BY_VALUES);
        return partitions;
    }

    /**
     * The partitions whose values satisfy {@code expression}, a SQL condition on the partition keys
     * ({@code dt >= '2024-01-01' AND region IN ('a', 'b')}), evaluated by Spark SQL over the values
     * cast to the keys' types, on the driver.
     */
    public List<Partition> partitions(String database, String table, String expression) {
        CatalogTable definition = requireTable(database, table);
        List<Partition> all = partitions(definition);
        if (expression == null || expression.isBlank() || all.isEmpty()) {
            return all;
        }
        StructType keys = definition.partitionSchema();
        List<StructField> textFields = new ArrayList<>();
        textFields.add(DataTypes.createStructField("__position", DataTypes.IntegerType, false));
        List<String> casts = new ArrayList<>();
        casts.add("__position");
        for (StructField key : keys.fields()) {
            textFields.add(DataTypes.createStructField(key.name(), DataTypes.StringType, true));
            casts.add("CAST(`" + key.name().replace("`", "``") + "` AS " + key.dataType().sql() + ") AS `" + key.name().replace("`", "``") + "`");
        }
        List<org.apache.spark.sql.Row> rows = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            Object[] values = new Object[all.get(i).values().size() + 1];
            values[0] = i;
            for (int j = 0; j < all.get(i).values().size(); j++) {
                values[j + 1] = all.get(i).values().get(j);
            }
            rows.add(RowFactory.create(values));
        }
        try {
            Dataset<org.apache.spark.sql.Row> matching = root.get().newSession()
                    .createDataFrame(rows, DataTypes.createStructType(textFields))
                    .selectExpr(casts.toArray(String[]::new))
                    .filter(expression)
                    .select("__position");
            List<Partition> kept = new ArrayList<>();
            for (org.apache.spark.sql.Row row : matching.collectAsList()) {
                kept.add(all.get(row.getInt(0)));
            }
            kept.sort(BY_VALUES);
            return kept;
        }
        catch (Exception e) { // Spark's AnalysisException, a ParseException among them, thrown undeclared
            throw new CatalogException(Problem.INVALID, "The expression " + expression + " cannot be evaluated on the partition keys "
                    + keys.fieldNames().length + ": " + firstLine(e.getMessage()));
        }
    }

    public Optional<Partition> partition(String database, String table, List<String> values) {
        CatalogTable definition = requireTable(database, table);
        List<String> keys = CollectionConverters.asJava(definition.partitionColumnNames());
        scala.Option<CatalogTablePartition> found = external().getPartitionOption(database, table, spec(keys, values, definition));
        return found.isDefined() ? Optional.of(partition(found.get(), keys)) : Optional.empty();
    }

    /** Adds partitions; one without a location gets {@code <table location>/key=value/...}, and the table's formats. */
    public void createPartitions(String database, String table, List<Partition> partitions) {
        CatalogTable definition = requireTable(database, table);
        List<String> keys = CollectionConverters.asJava(definition.partitionColumnNames());
        List<CatalogTablePartition> added = new ArrayList<>();
        for (Partition partition : partitions) {
            added.add(catalogPartition(definition, keys, partition));
        }
        run(() -> external().createPartitions(database, table, CollectionConverters.asScala(added).toList(), false));
    }

    public void alterPartition(String database, String table, List<String> values, Partition partition) {
        CatalogTable definition = requireTable(database, table);
        List<String> keys = CollectionConverters.asJava(definition.partitionColumnNames());
        scala.collection.immutable.Map<String, String> oldSpec = spec(keys, values, definition);
        if (external().getPartitionOption(database, table, oldSpec).isEmpty()) {
            throw notFound("Partition " + values + " of " + database + "." + table);
        }
        CatalogTablePartition changed = catalogPartition(definition, keys, partition);
        if (!partition.values().equals(values)) {
            run(() -> external().renamePartitions(database, table, CollectionConverters.asScala(List.of(oldSpec)).toList(),
                    CollectionConverters.asScala(List.of(changed.spec())).toList()));
        }
        run(() -> external().alterPartitions(database, table, CollectionConverters.asScala(List.of(changed)).toList()));
    }

    public void dropPartition(String database, String table, List<String> values) {
        CatalogTable definition = requireTable(database, table);
        List<String> keys = CollectionConverters.asJava(definition.partitionColumnNames());
        scala.collection.immutable.Map<String, String> spec = spec(keys, values, definition);
        if (external().getPartitionOption(database, table, spec).isEmpty()) {
            throw notFound("Partition " + values + " of " + database + "." + table);
        }
        run(() -> external().dropPartitions(database, table, CollectionConverters.asScala(List.of(spec)).toList(), false, false, false));
    }

    // ---- between the catalog's terms and Spark's

    private static Table table(CatalogTable table) {
        Set<String> partitionNames = Set.copyOf(CollectionConverters.asJava(table.partitionColumnNames()));
        List<Column> columns = new ArrayList<>();
        List<Column> partitionKeys = new ArrayList<>();
        for (StructField field : table.schema().fields()) {
            Column column = new Column(field.name(), hiveType(field), field.getComment().isDefined() ? field.getComment().get() : null);
            (partitionNames.contains(field.name()) ? partitionKeys : columns).add(column);
        }
        Map<String, String> parameters = new TreeMap<>();
        CollectionConverters.asJava(table.properties()).forEach((key, value) -> {
            if (!key.startsWith(SPARK_PROPERTIES)) {
                parameters.put(key, value);
            }
        });
        if (table.tableType() == CatalogTableType.EXTERNAL()) {
            parameters.put(EXTERNAL, "TRUE");
        }
        BucketSpec buckets = table.bucketSpec().isDefined() ? table.bucketSpec().get() : null;
        return new Table(table.database(), table.identifier().table(), tableType(table.tableType()), Instant.ofEpochMilli(table.createTime()),
                table.lastAccessTime() > 0 ? Instant.ofEpochMilli(table.lastAccessTime()) : null, columns, partitionKeys, parameters,
                storage(table.storage()), option(table.provider()), option(table.viewText()), option(table.comment()),
                emptyToNull(table.owner()), buckets == null ? 0 : buckets.numBuckets(),
                buckets == null ? List.of() : CollectionConverters.asJava(buckets.bucketColumnNames()),
                buckets == null ? List.of() : CollectionConverters.asJava(buckets.sortColumnNames()));
    }

    private static Storage storage(CatalogStorageFormat storage) {
        return new Storage(storage.locationUri().isDefined() ? storage.locationUri().get().toString() : null, option(storage.inputFormat()),
                option(storage.outputFormat()), option(storage.serde()), new LinkedHashMap<>(CollectionConverters.asJava(storage.properties())),
                storage.compressed());
    }

    private static Partition partition(CatalogTablePartition partition, List<String> keys) {
        Map<String, String> spec = CollectionConverters.asJava(partition.spec());
        List<String> values = keys.stream().map(spec::get).toList();
        return new Partition(values, storage(partition.storage()), new TreeMap<>(CollectionConverters.asJava(partition.parameters())),
                partition.createTime() > 0 ? Instant.ofEpochMilli(partition.createTime()) : null,
                partition.lastAccessTime() > 0 ? Instant.ofEpochMilli(partition.lastAccessTime()) : null);
    }

    private CatalogTable catalogTable(Table table, long createTime) {
        boolean view = "VIRTUAL_VIEW".equals(table.tableType());
        if (view && (table.viewText() == null || table.viewText().isBlank())) {
            throw new CatalogException(Problem.INVALID, "A view needs its query (ViewExpandedText or ViewOriginalText)");
        }
        List<StructField> fields = new ArrayList<>();
        for (Column column : table.columns()) {
            fields.add(field(column));
        }
        for (Column column : table.partitionKeys()) {
            fields.add(field(column));
        }
        StructType schema = CharVarcharUtils.replaceCharVarcharWithStringInSchema(DataTypes.createStructType(fields));
        Map<String, String> parameters = new LinkedHashMap<>(table.parameters());
        boolean markedExternal = "TRUE".equalsIgnoreCase(parameters.remove(EXTERNAL)); // Spark keeps it as the table type
        boolean external = "EXTERNAL_TABLE".equals(table.tableType()) || markedExternal
                || table.tableType() == null && table.storage().location() != null;
        CatalogTableType type = view ? CatalogTableType.VIEW() : external ? CatalogTableType.EXTERNAL() : CatalogTableType.MANAGED();
        Storage storage = table.storage();
        CatalogStorageFormat format = view
                ? new CatalogStorageFormat(scala.Option.empty(), scala.Option.empty(), scala.Option.empty(), scala.Option.empty(), false,
                        scalaMap(Map.of()))
                : format(storage, storage.location());
        scala.Option<BucketSpec> buckets = table.numberOfBuckets() > 0 && !table.bucketColumns().isEmpty()
                ? scala.Option.apply(new BucketSpec(table.numberOfBuckets(), CollectionConverters.asScala(table.bucketColumns()).toList(),
                        CollectionConverters.asScala(table.sortColumns()).toList()))
                : scala.Option.empty();
        return new CatalogTable(new TableIdentifier(table.name(), scala.Option.apply(table.database())), type, format, schema,
                view ? scala.Option.empty() : scala.Option.apply("hive"),
                CollectionConverters.asScala(table.partitionKeys().stream().map(Column::name).toList()).toList(), buckets,
                table.owner() == null ? "" : table.owner(), createTime,
                table.lastAccessTime() == null ? -1 : table.lastAccessTime().toEpochMilli(), "", scalaMap(parameters), scala.Option.empty(),
                scala.Option.apply(view ? table.viewText() : null), scala.Option.apply(table.comment()),
                CollectionConverters.asScala(List.<String>of()).toList(), true, true, scalaMap(Map.of()),
                scala.Option.apply(view ? table.viewText() : null));
    }

    private static CatalogStorageFormat format(Storage storage, String location) {
        return new CatalogStorageFormat(scala.Option.apply(location == null ? null : uri(location)), scala.Option.apply(storage.inputFormat()),
                scala.Option.apply(storage.outputFormat()), scala.Option.apply(storage.serializationLibrary()), storage.compressed(),
                scalaMap(storage.serdeParameters()));
    }

    private CatalogTablePartition catalogPartition(CatalogTable definition, List<String> keys, Partition partition) {
        scala.collection.immutable.Map<String, String> spec = spec(keys, partition.values(), definition);
        Storage tableStorage = storage(definition.storage());
        Storage given = partition.storage();
        String location = given != null && given.location() != null ? given.location()
                : tableStorage.location() == null ? null : tableStorage.location().replaceAll("/$", "") + "/" + pathOf(keys, partition.values());
        Storage storage = given == null || given.inputFormat() == null && given.serializationLibrary() == null ? tableStorage : given;
        long now = System.currentTimeMillis();
        return new CatalogTablePartition(spec, format(storage, location), scalaMap(partition.parameters()),
                partition.createTime() == null ? now : partition.createTime().toEpochMilli(),
                partition.lastAccessTime() == null ? -1 : partition.lastAccessTime().toEpochMilli(), scala.Option.empty());
    }

    private static String pathOf(List<String> keys, List<String> values) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            parts.add(org.apache.spark.sql.catalyst.catalog.ExternalCatalogUtils.escapePathName(keys.get(i)) + "="
                    + org.apache.spark.sql.catalyst.catalog.ExternalCatalogUtils.escapePathName(values.get(i)));
        }
        return String.join("/", parts);
    }

    private static scala.collection.immutable.Map<String, String> spec(List<String> keys, List<String> values, CatalogTable table) {
        if (values == null || values.size() != keys.size()) {
            throw new CatalogException(Problem.INVALID, "The partition values " + values + " do not match the partition keys " + keys
                    + " of " + table.identifier().unquotedString());
        }
        Map<String, String> spec = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            spec.put(keys.get(i), values.get(i));
        }
        return scalaMap(spec);
    }

    private static StructField field(Column column) {
        DataType type;
        try {
            type = CatalystSqlParser$.MODULE$.parseDataType(column.type());
        }
        catch (Exception e) { // Spark's ParseException, thrown undeclared
            throw new CatalogException(Problem.INVALID, "The type " + column.type() + " of column " + column.name() + " is not a Hive type: "
                    + firstLine(e.getMessage()));
        }
        Metadata metadata = column.comment() == null ? Metadata.empty() : new MetadataBuilder().putString("comment", column.comment()).build();
        return DataTypes.createStructField(column.name(), type, true, metadata);
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

    private void requireDatabase(String database) {
        if (!external().databaseExists(database)) {
            throw notFound("Database " + database);
        }
    }

    private CatalogTable requireTable(String database, String table) {
        requireDatabase(database);
        if (!external().tableExists(database, table)) {
            throw notFound("Table " + table + " in database " + database);
        }
        return external().getTable(database, table);
    }

    private static CatalogException notFound(String what) {
        return new CatalogException(Problem.NOT_FOUND, what + " not found");
    }

    /** Runs a change, with Spark's refusals in the catalog's terms. */
    private static void run(Runnable change) {
        try {
            change.run();
        }
        catch (CatalogException e) {
            throw e;
        }
        catch (Exception e) { // Spark's AnalysisExceptions are thrown undeclared
            String message = firstLine(e.getMessage());
            if (e instanceof NoSuchDatabaseException || e instanceof NoSuchTableException || e instanceof NoSuchPartitionException) {
                throw new CatalogException(Problem.NOT_FOUND, message);
            }
            String name = e.getClass().getSimpleName();
            if (name.contains("AlreadyExist")) { // TableAlreadyExistsException, PartitionsAlreadyExistException...
                throw new CatalogException(Problem.ALREADY_EXISTS, message);
            }
            if (e instanceof org.apache.spark.sql.AnalysisException || e instanceof IllegalArgumentException) {
                throw new CatalogException(Problem.INVALID, message);
            }
            throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static URI uri(String location) {
        try {
            return new org.apache.hadoop.fs.Path(location).toUri();
        }
        catch (IllegalArgumentException e) {
            throw new CatalogException(Problem.INVALID, "The location " + location + " is not a valid URI: " + e.getMessage());
        }
    }

    private static scala.collection.immutable.Map<String, String> scalaMap(Map<String, String> map) {
        return scala.collection.immutable.Map$.MODULE$.from(CollectionConverters.asScala(map == null ? Map.<String, String>of() : map));
    }

    private static String option(scala.Option<String> value) {
        return value.isDefined() ? value.get() : null;
    }

    private static String emptyToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }
}
