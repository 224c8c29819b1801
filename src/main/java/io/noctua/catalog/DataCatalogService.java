package io.noctua.catalog;

import io.noctua.api.CatalogShapes.Column;
import io.noctua.api.CatalogShapes.CreateDataCatalogRequest;
import io.noctua.api.CatalogShapes.CreateDataCatalogResponse;
import io.noctua.api.CatalogShapes.DataCatalog;
import io.noctua.api.CatalogShapes.DataCatalogSummary;
import io.noctua.api.CatalogShapes.Database;
import io.noctua.api.CatalogShapes.DeleteDataCatalogRequest;
import io.noctua.api.CatalogShapes.DeleteDataCatalogResponse;
import io.noctua.api.CatalogShapes.GetDataCatalogRequest;
import io.noctua.api.CatalogShapes.GetDataCatalogResponse;
import io.noctua.api.CatalogShapes.GetDatabaseRequest;
import io.noctua.api.CatalogShapes.GetDatabaseResponse;
import io.noctua.api.CatalogShapes.GetTableMetadataRequest;
import io.noctua.api.CatalogShapes.GetTableMetadataResponse;
import io.noctua.api.CatalogShapes.ListDataCatalogsRequest;
import io.noctua.api.CatalogShapes.ListDataCatalogsResponse;
import io.noctua.api.CatalogShapes.ListDatabasesRequest;
import io.noctua.api.CatalogShapes.ListDatabasesResponse;
import io.noctua.api.CatalogShapes.ListTableMetadataRequest;
import io.noctua.api.CatalogShapes.ListTableMetadataResponse;
import io.noctua.api.CatalogShapes.TableMetadata;
import io.noctua.api.CatalogShapes.UpdateDataCatalogRequest;
import io.noctua.api.CatalogShapes.UpdateDataCatalogResponse;
import io.noctua.api.InvalidRequestException;
import io.noctua.api.MetadataException;
import io.noctua.api.PageTokens;
import io.noctua.engine.CatalogReader;
import io.noctua.engine.MetastoreCatalog;
import io.noctua.engine.hive.RemoteCatalogException;
import io.noctua.engine.hive.RemoteCatalogs;
import io.noctua.engine.hive.RemoteMetadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static java.util.Objects.requireNonNull;

/**
 * Athena's data-catalog operations: the catalogs, and the databases and tables' metadata of {@code AwsDataCatalog} (the
 * shared metastore, the one the Spark sessions use) and of the HIVE catalogs of remote Hive metastores.
 */
public final class DataCatalogService {
    public static final String CATALOG = "AwsDataCatalog";
    private static final String CREATED = "CREATE_COMPLETE";
    private static final DataCatalog OWN = new DataCatalog(CATALOG, "The catalog shared by Noctua's SQL queries and Spark sessions",
            "GLUE", Map.of("catalog-id", "000000000000"), CREATED);
    private static final int DEFAULT_PAGE = 50;

    private final MetastoreCatalog catalog;
    private final DataCatalogRegistry registry;

    public DataCatalogService(MetastoreCatalog catalog, DataCatalogRegistry registry) {
        this.catalog = requireNonNull(catalog, "catalog is null");
        this.registry = requireNonNull(registry, "registry is null");
    }

    /**
     * AwsDataCatalog first, then the catalogs made with CreateDataCatalog in name order. AwsDataCatalog's position is the
     * empty name, which every stored name follows.
     */
    public ListDataCatalogsResponse listDataCatalogs(ListDataCatalogsRequest request) {
        PageTokens.KeyPage<DataCatalogSummary> page = PageTokens.KeyPage.read("catalogs", request.nextToken(), request.maxResults(),
                DEFAULT_PAGE, this::summaries, summary -> summary.catalogName().equals(CATALOG) ? "" : summary.catalogName());
        return new ListDataCatalogsResponse(page.items(), page.nextToken());
    }

    /** Up to {@code limit} catalogs after the one named {@code after} (null: from AwsDataCatalog). */
    private List<DataCatalogSummary> summaries(String after, int limit) {
        List<DataCatalogSummary> summaries = new ArrayList<>();
        if (after == null) {
            summaries.add(new DataCatalogSummary(CATALOG, OWN.type(), CREATED));
        }
        for (DataCatalogDefinition definition : registry.list(after == null ? "" : after, limit - summaries.size())) {
            summaries.add(new DataCatalogSummary(definition.name(), definition.type(), CREATED));
        }
        return summaries;
    }

    public GetDataCatalogResponse getDataCatalog(GetDataCatalogRequest request) {
        if (isOwn(request.name())) {
            return new GetDataCatalogResponse(OWN);
        }
        return new GetDataCatalogResponse(view(registry.existing(request.name())));
    }

    public CreateDataCatalogResponse createDataCatalog(CreateDataCatalogRequest request) {
        return new CreateDataCatalogResponse(view(registry.create(request)));
    }

    public UpdateDataCatalogResponse updateDataCatalog(UpdateDataCatalogRequest request) {
        registry.update(request);
        return new UpdateDataCatalogResponse();
    }

    public DeleteDataCatalogResponse deleteDataCatalog(DeleteDataCatalogRequest request) {
        DataCatalogDefinition deleted = registry.delete(request.name());
        DataCatalog view = view(deleted);
        return new DeleteDataCatalogResponse(new DataCatalog(view.name(), view.description(), view.type(), view.parameters(), "DELETE_COMPLETE"));
    }

    private static DataCatalog view(DataCatalogDefinition definition) {
        return new DataCatalog(definition.name(), definition.description(), definition.type(), definition.parameters(), CREATED);
    }

    private static boolean isOwn(String name) {
        return name != null && name.equalsIgnoreCase(CATALOG);
    }

    public ListDatabasesResponse listDatabases(ListDatabasesRequest request) {
        return reading(() -> {
            CatalogReader catalog = reader(request.catalogName());
            List<String> names = catalog.databases();
            PageTokens.Window window = PageTokens.Window.of("databases", request.nextToken(), request.maxResults(), names.size(), 50);
            List<Database> page = new ArrayList<>();
            for (String name : names.subList(window.from(), window.to())) {
                catalog.database(name).ifPresent(database -> page.add(database(database)));
            }
            return new ListDatabasesResponse(page, window.nextToken());
        });
    }

    public GetDatabaseResponse getDatabase(GetDatabaseRequest request) {
        return reading(() -> new GetDatabaseResponse(database(requireDatabase(reader(request.catalogName()), request.databaseName()))));
    }

    public ListTableMetadataResponse listTableMetadata(ListTableMetadataRequest request) {
        return reading(() -> {
            CatalogReader catalog = reader(request.catalogName());
            String database = requireDatabase(catalog, request.databaseName()).name();
            List<String> names = catalog.tableNames(database, request.expression());
            PageTokens.Window window = PageTokens.Window.of("tables:" + database, request.nextToken(), request.maxResults(), names.size(), 50);
            List<TableMetadata> page = catalog.tables(database, names.subList(window.from(), window.to())).stream()
                    .sorted(java.util.Comparator.comparing(MetastoreCatalog.Table::name)).map(DataCatalogService::tableMetadata).toList();
            return new ListTableMetadataResponse(page, window.nextToken());
        });
    }

    public GetTableMetadataResponse getTableMetadata(GetTableMetadataRequest request) {
        return reading(() -> {
            CatalogReader catalog = reader(request.catalogName());
            String database = requireDatabase(catalog, request.databaseName()).name();
            MetastoreCatalog.Table table = catalog.table(database, request.tableName().toLowerCase(java.util.Locale.ROOT))
                    .orElseThrow(() -> new MetadataException("Table " + request.tableName() + " not found in database " + database));
            return new GetTableMetadataResponse(tableMetadata(table));
        });
    }

    /**
     * The catalog {@code name} names: AwsDataCatalog, or a HIVE catalog of a remote metastore. Any other catalog made with
     * CreateDataCatalog is a record Noctua cannot read.
     */
    private CatalogReader reader(String name) {
        if (name == null || isOwn(name)) {
            return catalog;
        }
        RemoteCatalogs remote = registry.remoteCatalogs();
        String stored = remote.nameOf(name);
        if (stored != null) {
            return new RemoteMetadata(remote.metastores().get(stored));
        }
        String problem = registry.notQueryable(name);
        if (problem == null) {
            throw new InvalidRequestException("Catalog " + name + " was not found.");
        }
        throw new MetadataException(problem);
    }

    /** A remote metastore that cannot be reached or refuses is the caller's problem to act on, as a MetadataException. */
    private static <T> T reading(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        }
        catch (RemoteCatalogException e) {
            throw new MetadataException(e.getMessage());
        }
    }

    private static MetastoreCatalog.Database requireDatabase(CatalogReader catalog, String name) {
        return catalog.database(name.toLowerCase(java.util.Locale.ROOT))
                .orElseThrow(() -> new MetadataException("Database " + name + " not found"));
    }

    private static Database database(MetastoreCatalog.Database database) {
        Map<String, String> parameters = new TreeMap<>(database.parameters());
        if (database.locationUri() != null) {
            parameters.put("location", database.locationUri());
        }
        return new Database(database.name(), database.description(), parameters);
    }

    /** A table as Athena shows it: its storage folded into Parameters, as Athena's own catalog does. */
    static TableMetadata tableMetadata(MetastoreCatalog.Table table) {
        Map<String, String> parameters = new TreeMap<>(table.parameters());
        putIfPresent(parameters, "location", table.storage().location());
        putIfPresent(parameters, "inputformat", table.storage().inputFormat());
        putIfPresent(parameters, "outputformat", table.storage().outputFormat());
        putIfPresent(parameters, "serde.serialization.lib", table.storage().serializationLibrary());
        table.storage().serdeParameters().forEach((key, value) -> parameters.put("serde.param." + key, value));
        putIfPresent(parameters, "comment", table.comment());
        return new TableMetadata(table.name(), table.createTime(), table.lastAccessTime(), table.tableType(), columns(table.columns()),
                columns(table.partitionKeys()), parameters);
    }

    private static List<Column> columns(List<MetastoreCatalog.Column> columns) {
        return columns.stream().map(c -> new Column(c.name(), c.type(), c.comment())).toList();
    }

    private static void putIfPresent(Map<String, String> parameters, String key, String value) {
        if (value != null) {
            parameters.put(key, value);
        }
    }
}
