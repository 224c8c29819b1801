package io.noctua.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Request and response shapes of Athena's data-catalog operations, named as in the Athena model. */
public final class CatalogShapes {
    private CatalogShapes() {
    }

    public record ListDataCatalogsRequest(String nextToken, Integer maxResults, String workGroup) {
    }

    public record DataCatalogSummary(String catalogName, String type, String status) {
    }

    public record ListDataCatalogsResponse(List<DataCatalogSummary> dataCatalogsSummary, String nextToken) {
    }

    public record GetDataCatalogRequest(String name, String workGroup) {
    }

    public record DataCatalog(String name, String description, String type, Map<String, String> parameters, String status) {
    }

    public record GetDataCatalogResponse(DataCatalog dataCatalog) {
    }

    public record CreateDataCatalogRequest(String name, String type, String description, Map<String, String> parameters,
                                           List<WorkGroupShapes.Tag> tags) {
    }

    public record CreateDataCatalogResponse(DataCatalog dataCatalog) {
    }

    public record UpdateDataCatalogRequest(String name, String type, String description, Map<String, String> parameters) {
    }

    public record UpdateDataCatalogResponse() {
    }

    public record DeleteDataCatalogRequest(String name, Boolean deleteCatalogOnly) {
    }

    public record DeleteDataCatalogResponse(DataCatalog dataCatalog) {
    }

    public record ListDatabasesRequest(String catalogName, String nextToken, Integer maxResults, String workGroup) {
    }

    public record Database(String name, String description, Map<String, String> parameters) {
    }

    public record ListDatabasesResponse(List<Database> databaseList, String nextToken) {
    }

    public record GetDatabaseRequest(String catalogName, String databaseName, String workGroup) {
    }

    public record GetDatabaseResponse(Database database) {
    }

    public record ListTableMetadataRequest(String catalogName, String databaseName, String expression, String nextToken,
                                           Integer maxResults, String workGroup) {
    }

    public record Column(String name, String type, String comment) {
    }

    public record TableMetadata(String name, Instant createTime, Instant lastAccessTime, String tableType, List<Column> columns,
                                List<Column> partitionKeys, Map<String, String> parameters) {
    }

    public record ListTableMetadataResponse(List<TableMetadata> tableMetadataList, String nextToken) {
    }

    public record GetTableMetadataRequest(String catalogName, String databaseName, String tableName, String workGroup) {
    }

    public record GetTableMetadataResponse(TableMetadata tableMetadata) {
    }
}
