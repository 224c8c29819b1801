package io.noctua.engine.hive;

import org.apache.hadoop.hive.metastore.api.Database;
import org.apache.hadoop.hive.metastore.api.Partition;
import org.apache.hadoop.hive.metastore.api.Table;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.NoSuchNamespaceException;
import org.apache.spark.sql.catalyst.analysis.NoSuchTableException;
import org.apache.spark.sql.connector.catalog.Identifier;
import org.apache.spark.sql.connector.catalog.NamespaceChange;
import org.apache.spark.sql.connector.catalog.SupportsNamespaces;
import org.apache.spark.sql.connector.catalog.TableCatalog;
import org.apache.spark.sql.connector.catalog.TableChange;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A HIVE data catalog of a remote Hive metastore as a Spark catalog, registered in a session as
 * {@code spark.sql.catalog.<name>} by {@link RemoteCatalogs}: its databases are the namespaces, its tables are read
 * through Spark's file readers ({@link RemoteTables}), its Iceberg tables through Iceberg's catalog over the same
 * metastore. Read-only: every change is refused with a message saying so.
 * <p>
 * Spark keeps a loaded catalog for the life of its SparkSession; {@link RemoteCatalogs} points the instance at the
 * catalog's current metastore when the data catalog is changed, and marks it deleted when the data catalog is.
 */
public final class RemoteHiveCatalog implements TableCatalog, SupportsNamespaces {
    /** The option (Spark setting {@code spark.sql.catalog.<name>.uri}) naming the metastore. */
    static final String URI = "uri";

    private String name;
    private volatile String uri; // null once its data catalog is deleted

    @Override
    public void initialize(String name, CaseInsensitiveStringMap options) {
        this.name = name;
        this.uri = options.get(URI);
    }

    @Override
    public String name() {
        return name;
    }

    /** Points the catalog at another metastore, or marks it deleted (null). */
    void pointAt(String uri) {
        this.uri = uri;
    }

    private RemoteMetastore metastore() {
        String current = uri;
        if (current == null) {
            throw new RemoteCatalogException("Data catalog " + name + " was deleted");
        }
        return RemoteMetastore.at(current);
    }

    // ---- namespaces: the metastore's databases

    @Override
    public String[][] listNamespaces() {
        return metastore().databases().stream().map(database -> new String[] {database}).toArray(String[][]::new);
    }

    @Override
    public String[][] listNamespaces(String[] namespace) throws NoSuchNamespaceException {
        database(namespace);
        return new String[0][];
    }

    @Override
    public boolean namespaceExists(String[] namespace) {
        return namespace.length == 1 && metastore().database(namespace[0].toLowerCase(Locale.ROOT)).isPresent();
    }

    @Override
    public Map<String, String> loadNamespaceMetadata(String[] namespace) throws NoSuchNamespaceException {
        Database database = database(namespace);
        Map<String, String> metadata = new LinkedHashMap<>();
        if (database.getParameters() != null) {
            metadata.putAll(database.getParameters());
        }
        if (database.getDescription() != null) {
            metadata.put(SupportsNamespaces.PROP_COMMENT, database.getDescription());
        }
        if (database.getLocationUri() != null) {
            metadata.put(SupportsNamespaces.PROP_LOCATION, database.getLocationUri());
        }
        if (database.getOwnerName() != null) {
            metadata.put(SupportsNamespaces.PROP_OWNER, database.getOwnerName());
        }
        return metadata;
    }

    private Database database(String[] namespace) throws NoSuchNamespaceException {
        if (namespace.length != 1) {
            throw new NoSuchNamespaceException(namespace);
        }
        Optional<Database> database = metastore().database(namespace[0].toLowerCase(Locale.ROOT));
        if (database.isEmpty()) {
            throw new NoSuchNamespaceException(namespace);
        }
        return database.get();
    }

    @Override
    public void createNamespace(String[] namespace, Map<String, String> metadata) {
        throw readOnly();
    }

    @Override
    public void alterNamespace(String[] namespace, NamespaceChange... changes) {
        throw readOnly();
    }

    @Override
    public boolean dropNamespace(String[] namespace, boolean cascade) {
        throw readOnly();
    }

    // ---- tables

    @Override
    public Identifier[] listTables(String[] namespace) throws NoSuchNamespaceException {
        String database = database(namespace).getName();
        return metastore().tableNames(database, null).stream().map(table -> Identifier.of(new String[] {database}, table))
                .toArray(Identifier[]::new);
    }

    @Override
    public org.apache.spark.sql.connector.catalog.Table loadTable(Identifier ident) throws NoSuchTableException {
        return load(ident, null, null);
    }

    /** {@code VERSION AS OF}: Iceberg tables only, which keep their snapshots. */
    @Override
    public org.apache.spark.sql.connector.catalog.Table loadTable(Identifier ident, String version) throws NoSuchTableException {
        return load(ident, version, null);
    }

    /** {@code TIMESTAMP AS OF}: Iceberg tables only, which keep their snapshots. */
    @Override
    public org.apache.spark.sql.connector.catalog.Table loadTable(Identifier ident, long timestamp) throws NoSuchTableException {
        return load(ident, null, timestamp);
    }

    private org.apache.spark.sql.connector.catalog.Table load(Identifier ident, String version, Long timestamp) throws NoSuchTableException {
        if (ident.namespace().length != 1) {
            throw new NoSuchTableException(ident);
        }
        RemoteMetastore metastore = metastore();
        String database = ident.namespace()[0].toLowerCase(Locale.ROOT);
        String tableName = ident.name().toLowerCase(Locale.ROOT);
        Table table = metastore.table(database, tableName).orElseThrow(() -> new NoSuchTableException(ident));
        if (RemoteTables.isIceberg(table)) {
            Identifier inIceberg = Identifier.of(new String[] {database}, tableName);
            org.apache.spark.sql.connector.catalog.TableCatalog iceberg = metastore.iceberg();
            org.apache.spark.sql.connector.catalog.Table loaded = version != null ? iceberg.loadTable(inIceberg, version)
                    : timestamp != null ? iceberg.loadTable(inIceberg, timestamp) : iceberg.loadTable(inIceberg);
            return new ReadOnlyTable(name + "." + database + "." + tableName, (org.apache.spark.sql.connector.catalog.SupportsRead) loaded,
                    table.getParameters());
        }
        if (version != null || timestamp != null) {
            throw new RemoteCatalogException("Table " + name + "." + database + "." + tableName + " keeps no versions: "
                    + "VERSION AS OF and TIMESTAMP AS OF read Iceberg tables");
        }
        List<Partition> partitions = table.getPartitionKeysSize() > 0 ? metastore.partitions(database, tableName) : List.of();
        try {
            return RemoteTables.readable(name, table, partitions, SparkSession.active());
        }
        catch (RemoteCatalogException e) {
            throw new RemoteCatalogException("Table " + name + "." + database + "." + tableName + " of the Hive metastore at "
                    + metastore.uri() + " cannot be read: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean tableExists(Identifier ident) {
        return ident.namespace().length == 1
                && metastore().table(ident.namespace()[0].toLowerCase(Locale.ROOT), ident.name().toLowerCase(Locale.ROOT)).isPresent();
    }

    @Override
    public org.apache.spark.sql.connector.catalog.Table createTable(Identifier ident, StructType schema, Transform[] partitions,
                                                                    Map<String, String> properties) {
        throw readOnly();
    }

    @Override
    public org.apache.spark.sql.connector.catalog.Table alterTable(Identifier ident, TableChange... changes) {
        throw readOnly();
    }

    @Override
    public boolean dropTable(Identifier ident) {
        throw readOnly();
    }

    @Override
    public void renameTable(Identifier oldIdent, Identifier newIdent) {
        throw readOnly();
    }

    private RemoteCatalogException readOnly() {
        return new RemoteCatalogException("Data catalog " + name + " is a Hive metastore Noctua reads: its databases and tables "
                + "cannot be created, changed or dropped through Noctua");
    }
}
