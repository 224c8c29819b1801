package io.noctua.api.glue;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Request and response shapes of the Glue Data Catalog operations Noctua serves, named as in the Glue model. */
public final class GlueShapes {
    private GlueShapes() {
    }

    // ---- catalog objects

    public record DatabaseInput(String name, String description, String locationUri, Map<String, String> parameters) {
    }

    public record Database(String name, String description, String locationUri, Map<String, String> parameters, Instant createTime,
                           String catalogId) {
    }

    public record Column(String name, String type, String comment, Map<String, String> parameters) {
    }

    public record SerDeInfo(String name, String serializationLibrary, Map<String, String> parameters) {
    }

    public record Order(String column, Integer sortOrder) {
    }

    public record StorageDescriptor(List<Column> columns, String location, List<String> additionalLocations, String inputFormat,
                                    String outputFormat, Boolean compressed, Integer numberOfBuckets, SerDeInfo serdeInfo,
                                    List<String> bucketColumns, List<Order> sortColumns, Map<String, String> parameters,
                                    Boolean storedAsSubDirectories) {
    }

    public record TableInput(String name, String description, String owner, Instant lastAccessTime, Integer retention,
                             StorageDescriptor storageDescriptor, List<Column> partitionKeys, String viewOriginalText,
                             String viewExpandedText, String tableType, Map<String, String> parameters) {
    }

    public record Table(String name, String databaseName, String description, String owner, Instant createTime, Instant updateTime,
                        Instant lastAccessTime, Integer retention, StorageDescriptor storageDescriptor, List<Column> partitionKeys,
                        String viewOriginalText, String viewExpandedText, String tableType, Map<String, String> parameters,
                        String createdBy, Boolean isRegisteredWithLakeFormation, String catalogId, String versionId) {
    }

    public record PartitionInput(List<String> values, Instant lastAccessTime, StorageDescriptor storageDescriptor,
                                 Map<String, String> parameters) {
    }

    public record Partition(List<String> values, String databaseName, String tableName, Instant creationTime, Instant lastAccessTime,
                            StorageDescriptor storageDescriptor, Map<String, String> parameters, String catalogId) {
    }

    public record PartitionValueList(List<String> values) {
    }

    public record ErrorDetail(String errorCode, String errorMessage) {
    }

    public record Empty() {
    }

    // ---- databases

    public record GetDatabasesRequest(String catalogId, String nextToken, Integer maxResults) {
    }

    public record GetDatabasesResponse(List<Database> databaseList, String nextToken) {
    }

    public record DatabaseNameRequest(String catalogId, String name) {
    }

    public record GetDatabaseResponse(Database database) {
    }

    public record CreateDatabaseRequest(String catalogId, DatabaseInput databaseInput) {
    }

    public record UpdateDatabaseRequest(String catalogId, String name, DatabaseInput databaseInput) {
    }

    // ---- tables

    public record GetTablesRequest(String catalogId, String databaseName, String expression, String nextToken, Integer maxResults) {
    }

    public record GetTablesResponse(List<Table> tableList, String nextToken) {
    }

    public record GetTableRequest(String catalogId, String databaseName, String name) {
    }

    public record GetTableResponse(Table table) {
    }

    public record TableInputRequest(String catalogId, String databaseName, TableInput tableInput) {
    }

    public record DeleteTableRequest(String catalogId, String databaseName, String name) {
    }

    public record BatchDeleteTableRequest(String catalogId, String databaseName, List<String> tablesToDelete) {
    }

    public record TableError(String tableName, ErrorDetail errorDetail) {
    }

    public record BatchDeleteTableResponse(List<TableError> errors) {
    }

    public record GetTableVersionsRequest(String catalogId, String databaseName, String tableName, String nextToken, Integer maxResults) {
    }

    public record TableVersion(Table table, String versionId) {
    }

    public record GetTableVersionsResponse(List<TableVersion> tableVersions, String nextToken) {
    }

    // ---- partitions

    public record GetPartitionsRequest(String catalogId, String databaseName, String tableName, String expression, String nextToken,
                                       Integer maxResults, Boolean excludeColumnSchema) {
    }

    public record GetPartitionsResponse(List<Partition> partitions, String nextToken) {
    }

    public record GetPartitionRequest(String catalogId, String databaseName, String tableName, List<String> partitionValues) {
    }

    public record GetPartitionResponse(Partition partition) {
    }

    public record CreatePartitionRequest(String catalogId, String databaseName, String tableName, PartitionInput partitionInput) {
    }

    public record BatchCreatePartitionRequest(String catalogId, String databaseName, String tableName,
                                              List<PartitionInput> partitionInputList) {
    }

    public record PartitionError(List<String> partitionValues, ErrorDetail errorDetail) {
    }

    public record BatchPartitionErrorsResponse(List<PartitionError> errors) {
    }

    public record UpdatePartitionRequest(String catalogId, String databaseName, String tableName, List<String> partitionValueList,
                                         PartitionInput partitionInput) {
    }

    public record BatchDeletePartitionRequest(String catalogId, String databaseName, String tableName,
                                              List<PartitionValueList> partitionsToDelete) {
    }

    public record BatchGetPartitionRequest(String catalogId, String databaseName, String tableName,
                                           List<PartitionValueList> partitionsToGet) {
    }

    public record BatchGetPartitionResponse(List<Partition> partitions, List<PartitionValueList> unprocessedKeys) {
    }
}
