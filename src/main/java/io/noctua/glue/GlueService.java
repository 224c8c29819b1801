package io.noctua.glue;

import io.noctua.api.AthenaException;
import io.noctua.api.PageTokens;
import io.noctua.api.glue.AlreadyExistsException;
import io.noctua.api.glue.EntityNotFoundException;
import io.noctua.api.glue.GlueShapes;
import io.noctua.api.glue.GlueShapes.BatchCreatePartitionRequest;
import io.noctua.api.glue.GlueShapes.BatchDeletePartitionRequest;
import io.noctua.api.glue.GlueShapes.BatchDeleteTableRequest;
import io.noctua.api.glue.GlueShapes.BatchDeleteTableResponse;
import io.noctua.api.glue.GlueShapes.BatchGetPartitionRequest;
import io.noctua.api.glue.GlueShapes.BatchGetPartitionResponse;
import io.noctua.api.glue.GlueShapes.BatchPartitionErrorsResponse;
import io.noctua.api.glue.GlueShapes.CreateDatabaseRequest;
import io.noctua.api.glue.GlueShapes.CreatePartitionRequest;
import io.noctua.api.glue.GlueShapes.DatabaseNameRequest;
import io.noctua.api.glue.GlueShapes.DeleteTableRequest;
import io.noctua.api.glue.GlueShapes.Empty;
import io.noctua.api.glue.GlueShapes.ErrorDetail;
import io.noctua.api.glue.GlueShapes.GetDatabaseResponse;
import io.noctua.api.glue.GlueShapes.GetDatabasesRequest;
import io.noctua.api.glue.GlueShapes.GetDatabasesResponse;
import io.noctua.api.glue.GlueShapes.GetPartitionRequest;
import io.noctua.api.glue.GlueShapes.GetPartitionResponse;
import io.noctua.api.glue.GlueShapes.GetPartitionsRequest;
import io.noctua.api.glue.GlueShapes.GetPartitionsResponse;
import io.noctua.api.glue.GlueShapes.GetTableRequest;
import io.noctua.api.glue.GlueShapes.GetTableResponse;
import io.noctua.api.glue.GlueShapes.GetTableVersionsRequest;
import io.noctua.api.glue.GlueShapes.GetTableVersionsResponse;
import io.noctua.api.glue.GlueShapes.GetTablesRequest;
import io.noctua.api.glue.GlueShapes.GetTablesResponse;
import io.noctua.api.glue.GlueShapes.PartitionError;
import io.noctua.api.glue.GlueShapes.PartitionInput;
import io.noctua.api.glue.GlueShapes.PartitionValueList;
import io.noctua.api.glue.GlueShapes.TableError;
import io.noctua.api.glue.GlueShapes.TableInputRequest;
import io.noctua.api.glue.GlueShapes.UpdateDatabaseRequest;
import io.noctua.api.glue.GlueShapes.UpdatePartitionRequest;
import io.noctua.api.glue.InvalidInputException;
import io.noctua.engine.MetastoreCatalog;
import io.noctua.engine.MetastoreCatalog.CatalogException;
import io.noctua.protocol.Operation;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import static java.util.Objects.requireNonNull;

/**
 * The Glue Data Catalog operations on the catalog the SQL API and the Spark sessions share: a
 * database, table or partition made here is queryable at once, and what SQL or Spark made is here.
 * Names are kept in lower case, as Glue keeps them. The catalog keeps no history of a table's
 * definitions: GetTableVersions answers with the current one.
 */
public final class GlueService {
    /** The account id Noctua answers as its catalog's id. */
    public static final String CATALOG_ID = "000000000000";

    private final MetastoreCatalog catalog;

    public GlueService(MetastoreCatalog catalog) {
        this.catalog = requireNonNull(catalog, "catalog is null");
    }

    /** The operations, as the protocol serves them under {@code AWSGlue.}. */
    public List<Operation<?, ?>> operations() {
        return List.of(
                new Operation<>("GetDatabases", GetDatabasesRequest.class, this::getDatabases),
                new Operation<>("GetDatabase", DatabaseNameRequest.class, this::getDatabase),
                new Operation<>("CreateDatabase", CreateDatabaseRequest.class, this::createDatabase),
                new Operation<>("UpdateDatabase", UpdateDatabaseRequest.class, this::updateDatabase),
                new Operation<>("DeleteDatabase", DatabaseNameRequest.class, this::deleteDatabase),
                new Operation<>("GetTables", GetTablesRequest.class, this::getTables),
                new Operation<>("GetTable", GetTableRequest.class, this::getTable),
                new Operation<>("CreateTable", TableInputRequest.class, this::createTable),
                new Operation<>("UpdateTable", TableInputRequest.class, this::updateTable),
                new Operation<>("DeleteTable", DeleteTableRequest.class, this::deleteTable),
                new Operation<>("BatchDeleteTable", BatchDeleteTableRequest.class, this::batchDeleteTable),
                new Operation<>("GetTableVersions", GetTableVersionsRequest.class, this::getTableVersions),
                new Operation<>("GetPartitions", GetPartitionsRequest.class, this::getPartitions),
                new Operation<>("GetPartition", GetPartitionRequest.class, this::getPartition),
                new Operation<>("CreatePartition", CreatePartitionRequest.class, this::createPartition),
                new Operation<>("BatchCreatePartition", BatchCreatePartitionRequest.class, this::batchCreatePartition),
                new Operation<>("UpdatePartition", UpdatePartitionRequest.class, this::updatePartition),
                new Operation<>("DeletePartition", GetPartitionRequest.class, this::deletePartition),
                new Operation<>("BatchDeletePartition", BatchDeletePartitionRequest.class, this::batchDeletePartition),
                new Operation<>("BatchGetPartition", BatchGetPartitionRequest.class, this::batchGetPartition));
    }

    // ---- databases

    public GetDatabasesResponse getDatabases(GetDatabasesRequest request) {
        List<String> names = catalog.databases();
        PageTokens.Window window = PageTokens.Window.of("glue-databases", request.nextToken(), request.maxResults(), names.size(), 100);
        List<GlueShapes.Database> page = new ArrayList<>();
        for (String name : names.subList(window.from(), window.to())) {
            catalog.database(name).ifPresent(database -> page.add(GlueViews.database(database)));
        }
        return new GetDatabasesResponse(page, window.nextToken());
    }

    public GetDatabaseResponse getDatabase(DatabaseNameRequest request) {
        return new GetDatabaseResponse(GlueViews.database(requireDatabase(request.name())));
    }

    public Empty createDatabase(CreateDatabaseRequest request) {
        var input = request.databaseInput();
        call(() -> catalog.createDatabase(new MetastoreCatalog.Database(lower(input.name()), input.description(), input.locationUri(),
                input.parameters())));
        return new Empty();
    }

    public Empty updateDatabase(UpdateDatabaseRequest request) {
        var input = request.databaseInput();
        if (!lower(input.name()).equals(lower(request.name()))) {
            throw new InvalidInputException("A database cannot be renamed: DatabaseInput.Name must be " + request.name());
        }
        call(() -> catalog.alterDatabase(new MetastoreCatalog.Database(lower(request.name()), input.description(), input.locationUri(),
                input.parameters())));
        return new Empty();
    }

    public Empty deleteDatabase(DatabaseNameRequest request) {
        call(() -> catalog.dropDatabase(lower(request.name())));
        return new Empty();
    }

    // ---- tables

    public GetTablesResponse getTables(GetTablesRequest request) {
        String database = requireDatabase(request.databaseName()).name();
        Pattern pattern = pattern(request.expression());
        List<String> names = catalog.tableNames(database, null).stream().filter(name -> pattern == null || pattern.matcher(name).matches())
                .toList();
        PageTokens.Window window = PageTokens.Window.of("glue-tables:" + database, request.nextToken(), request.maxResults(), names.size(), 100);
        List<GlueShapes.Table> page = call(() -> catalog.tables(database, names.subList(window.from(), window.to()))).stream()
                .map(GlueViews::table).toList();
        return new GetTablesResponse(page, window.nextToken());
    }

    /** Glue's Expression is a regular expression on table names; a Hive-style {@code *} pattern is taken too. */
    private static Pattern pattern(String expression) {
        if (expression == null || expression.isBlank()) {
            return null;
        }
        try {
            return Pattern.compile(expression, Pattern.CASE_INSENSITIVE);
        }
        catch (PatternSyntaxException e) {
            String glob = expression.replace(".", "\\.").replace("*", ".*");
            try {
                return Pattern.compile(glob, Pattern.CASE_INSENSITIVE);
            }
            catch (PatternSyntaxException again) {
                throw new InvalidInputException("The Expression " + expression + " is not a regular expression: " + e.getDescription());
            }
        }
    }

    public GetTableResponse getTable(GetTableRequest request) {
        return new GetTableResponse(GlueViews.table(requireTable(request.databaseName(), request.name())));
    }

    public Empty createTable(TableInputRequest request) {
        String database = requireDatabase(request.databaseName()).name();
        call(() -> catalog.createTable(GlueViews.table(database, request.tableInput(), null)));
        return new Empty();
    }

    public Empty updateTable(TableInputRequest request) {
        MetastoreCatalog.Table current = requireTable(request.databaseName(), request.tableInput().name());
        call(() -> catalog.alterTable(GlueViews.table(current.database(), request.tableInput(), current)));
        return new Empty();
    }

    public Empty deleteTable(DeleteTableRequest request) {
        call(() -> catalog.dropTable(lower(request.databaseName()), lower(request.name())));
        return new Empty();
    }

    public BatchDeleteTableResponse batchDeleteTable(BatchDeleteTableRequest request) {
        String database = requireDatabase(request.databaseName()).name();
        List<TableError> errors = new ArrayList<>();
        for (String name : request.tablesToDelete()) {
            ErrorDetail error = errorOf(() -> catalog.dropTable(database, lower(name)));
            if (error != null) {
                errors.add(new TableError(name, error));
            }
        }
        return new BatchDeleteTableResponse(errors);
    }

    public GetTableVersionsResponse getTableVersions(GetTableVersionsRequest request) {
        MetastoreCatalog.Table table = requireTable(request.databaseName(), request.tableName());
        PageTokens.decode("glue-versions", request.nextToken());
        return new GetTableVersionsResponse(List.of(new GlueShapes.TableVersion(GlueViews.table(table), GlueViews.VERSION_ID)), null);
    }

    // ---- partitions

    public GetPartitionsResponse getPartitions(GetPartitionsRequest request) {
        MetastoreCatalog.Table table = requireTable(request.databaseName(), request.tableName());
        List<MetastoreCatalog.Partition> partitions = call(() -> catalog.partitions(table.database(), table.name(), request.expression()));
        PageTokens.Window window = PageTokens.Window.of("glue-partitions:" + table.database() + "." + table.name(), request.nextToken(), request.maxResults(),
                partitions.size(), 1000);
        boolean withColumns = !Boolean.TRUE.equals(request.excludeColumnSchema());
        List<GlueShapes.Partition> page = partitions.subList(window.from(), window.to()).stream()
                .map(p -> GlueViews.partition(table, p, withColumns)).toList();
        return new GetPartitionsResponse(page, window.nextToken());
    }

    public GetPartitionResponse getPartition(GetPartitionRequest request) {
        MetastoreCatalog.Table table = requireTable(request.databaseName(), request.tableName());
        return new GetPartitionResponse(GlueViews.partition(table, requirePartition(table, request.partitionValues()), true));
    }

    public Empty createPartition(CreatePartitionRequest request) {
        MetastoreCatalog.Table table = requireTable(request.databaseName(), request.tableName());
        call(() -> catalog.createPartitions(table.database(), table.name(), List.of(GlueViews.partition(request.partitionInput()))));
        return new Empty();
    }

    public BatchPartitionErrorsResponse batchCreatePartition(BatchCreatePartitionRequest request) {
        MetastoreCatalog.Table table = requireTable(request.databaseName(), request.tableName());
        List<PartitionError> errors = new ArrayList<>();
        for (PartitionInput input : request.partitionInputList()) {
            ErrorDetail error = errorOf(() -> catalog.createPartitions(table.database(), table.name(), List.of(GlueViews.partition(input))));
            if (error != null) {
                errors.add(new PartitionError(input.values(), error));
            }
        }
        return new BatchPartitionErrorsResponse(errors);
    }

    public Empty updatePartition(UpdatePartitionRequest request) {
        MetastoreCatalog.Table table = requireTable(request.databaseName(), request.tableName());
        call(() -> catalog.alterPartition(table.database(), table.name(), request.partitionValueList(),
                GlueViews.partition(request.partitionInput())));
        return new Empty();
    }

    public Empty deletePartition(GetPartitionRequest request) {
        MetastoreCatalog.Table table = requireTable(request.databaseName(), request.tableName());
        call(() -> catalog.dropPartition(table.database(), table.name(), request.partitionValues()));
        return new Empty();
    }

    public BatchPartitionErrorsResponse batchDeletePartition(BatchDeletePartitionRequest request) {
        MetastoreCatalog.Table table = requireTable(request.databaseName(), request.tableName());
        List<PartitionError> errors = new ArrayList<>();
        for (PartitionValueList values : request.partitionsToDelete()) {
            ErrorDetail error = errorOf(() -> catalog.dropPartition(table.database(), table.name(), values.values()));
            if (error != null) {
                errors.add(new PartitionError(values.values(), error));
            }
        }
        return new BatchPartitionErrorsResponse(errors);
    }

    public BatchGetPartitionResponse batchGetPartition(BatchGetPartitionRequest request) {
        MetastoreCatalog.Table table = requireTable(request.databaseName(), request.tableName());
        List<GlueShapes.Partition> found = new ArrayList<>();
        List<PartitionValueList> missing = new ArrayList<>();
        for (PartitionValueList values : request.partitionsToGet()) {
            Optional<MetastoreCatalog.Partition> partition = call(() -> catalog.partition(table.database(), table.name(), values.values()));
            partition.ifPresentOrElse(p -> found.add(GlueViews.partition(table, p, true)), () -> missing.add(values));
        }
        return new BatchGetPartitionResponse(found, missing);
    }

    // ---- pieces

    private MetastoreCatalog.Database requireDatabase(String name) {
        return catalog.database(lower(name)).orElseThrow(() -> new EntityNotFoundException("Database " + name + " not found."));
    }

    private MetastoreCatalog.Table requireTable(String database, String name) {
        requireDatabase(database);
        return catalog.table(lower(database), lower(name)).orElseThrow(() -> new EntityNotFoundException("Table " + name + " not found."));
    }

    private MetastoreCatalog.Partition requirePartition(MetastoreCatalog.Table table, List<String> values) {
        return call(() -> catalog.partition(table.database(), table.name(), values))
                .orElseThrow(() -> new EntityNotFoundException("Cannot find partition."));
    }

    private static String lower(String name) {
        return name == null ? null : name.toLowerCase(Locale.ROOT);
    }

    private static void call(Runnable change) {
        call(() -> {
            change.run();
            return null;
        });
    }

    /** Runs a catalog call with its refusals as Glue's errors. */
    private static <T> T call(Supplier<T> work) {
        try {
            return work.get();
        }
        catch (CatalogException e) {
            throw switch (e.problem()) {
                case NOT_FOUND -> new EntityNotFoundException(e.getMessage());
                case ALREADY_EXISTS -> new AlreadyExistsException(e.getMessage());
                case INVALID -> new InvalidInputException(e.getMessage());
            };
        }
    }

    /** A batch entry's error, or null if it went through. */
    private static ErrorDetail errorOf(Runnable change) {
        try {
            call(change);
            return null;
        }
        catch (AthenaException e) {
            return new ErrorDetail(e.errorType(), e.getMessage());
        }
    }

}
