package io.noctua.api;

import java.time.Instant;
import java.util.List;

/** Request and response shapes of the SQL query operations, named as in the Athena model. */
public final class QueryShapes {
    private QueryShapes() {
    }

    public record QueryExecutionContext(String database, String catalog) {
    }

    public record EncryptionConfiguration(String encryptionOption, String kmsKey) {
    }

    public record AclConfiguration(String s3AclOption) {
    }

    public record ResultConfiguration(String outputLocation, EncryptionConfiguration encryptionConfiguration,
                                      String expectedBucketOwner, AclConfiguration aclConfiguration) {
    }

    public record ResultReuseByAgeConfiguration(Boolean enabled, Integer maxAgeInMinutes) {
    }

    public record ResultReuseConfiguration(ResultReuseByAgeConfiguration resultReuseByAgeConfiguration) {
    }

    public record StartQueryExecutionRequest(String queryString, String clientRequestToken, QueryExecutionContext queryExecutionContext,
                                             ResultConfiguration resultConfiguration, String workGroup, List<String> executionParameters,
                                             ResultReuseConfiguration resultReuseConfiguration,
                                             SessionShapes.EngineConfiguration engineConfiguration) {
    }

    public record StartQueryExecutionResponse(String queryExecutionId) {
    }

    public record QueryExecutionIdRequest(String queryExecutionId) {
    }

    public record AthenaError(Integer errorCategory, Integer errorType, Boolean retryable, String errorMessage) {
    }

    public record QueryExecutionStatus(QueryExecutionState state, String stateChangeReason, Instant submissionDateTime,
                                       Instant completionDateTime, AthenaError athenaError) {
    }

    public record ResultReuseInformation(Boolean reusedPreviousResult) {
    }

    public record QueryExecutionStatistics(Long engineExecutionTimeInMillis, Long dataScannedInBytes, String dataManifestLocation,
                                           Long totalExecutionTimeInMillis, Long queryQueueTimeInMillis,
                                           Long servicePreProcessingTimeInMillis, Long queryPlanningTimeInMillis,
                                           Long serviceProcessingTimeInMillis, ResultReuseInformation resultReuseInformation) {
    }

    public record QueryExecution(String queryExecutionId, String query, String statementType, ResultConfiguration resultConfiguration,
                                 ResultReuseConfiguration resultReuseConfiguration, QueryExecutionContext queryExecutionContext,
                                 QueryExecutionStatus status, QueryExecutionStatistics statistics, String workGroup,
                                 WorkGroupShapes.EngineVersion engineVersion, List<String> executionParameters, String substatementType) {
    }

    public record GetQueryExecutionResponse(QueryExecution queryExecution) {
    }

    public record BatchGetQueryExecutionRequest(List<String> queryExecutionIds) {
    }

    public record UnprocessedQueryExecutionId(String queryExecutionId, String errorCode, String errorMessage) {
    }

    public record BatchGetQueryExecutionResponse(List<QueryExecution> queryExecutions,
                                                 List<UnprocessedQueryExecutionId> unprocessedQueryExecutionIds) {
    }

    public record ListQueryExecutionsRequest(String nextToken, Integer maxResults, String workGroup) {
    }

    public record ListQueryExecutionsResponse(List<String> queryExecutionIds, String nextToken) {
    }

    public record StopQueryExecutionResponse() {
    }

    public record GetQueryResultsRequest(String queryExecutionId, String nextToken, Integer maxResults, String queryResultType) {
    }

    public record Datum(String varCharValue) {
    }

    public record Row(List<Datum> data) {
    }

    public record ColumnInfo(String catalogName, String schemaName, String tableName, String name, String label, String type,
                             Integer precision, Integer scale, String nullable, Boolean caseSensitive) {
    }

    public record ResultSetMetadata(List<ColumnInfo> columnInfo) {
    }

    public record ResultSet(List<Row> rows, ResultSetMetadata resultSetMetadata) {
    }

    public record GetQueryResultsResponse(Long updateCount, ResultSet resultSet, String nextToken) {
    }

    public record QueryRuntimeStatisticsTimeline(Long queryQueueTimeInMillis, Long servicePreProcessingTimeInMillis,
                                                 Long queryPlanningTimeInMillis, Long engineExecutionTimeInMillis,
                                                 Long serviceProcessingTimeInMillis, Long totalExecutionTimeInMillis) {
    }

    public record QueryRuntimeStatisticsRows(Long inputRows, Long inputBytes, Long outputBytes, Long outputRows) {
    }

    public record QueryRuntimeStatistics(QueryRuntimeStatisticsTimeline timeline, QueryRuntimeStatisticsRows rows) {
    }

    public record GetQueryRuntimeStatisticsResponse(QueryRuntimeStatistics queryRuntimeStatistics) {
    }

    // ---- named queries

    public record CreateNamedQueryRequest(String name, String description, String database, String queryString, String clientRequestToken,
                                          String workGroup) {
    }

    public record CreateNamedQueryResponse(String namedQueryId) {
    }

    public record NamedQueryIdRequest(String namedQueryId) {
    }

    public record NamedQuery(String name, String description, String database, String queryString, String namedQueryId, String workGroup) {
    }

    public record GetNamedQueryResponse(NamedQuery namedQuery) {
    }

    public record BatchGetNamedQueryRequest(List<String> namedQueryIds) {
    }

    public record UnprocessedNamedQueryId(String namedQueryId, String errorCode, String errorMessage) {
    }

    public record BatchGetNamedQueryResponse(List<NamedQuery> namedQueries, List<UnprocessedNamedQueryId> unprocessedNamedQueryIds) {
    }

    public record ListNamedQueriesRequest(String nextToken, Integer maxResults, String workGroup) {
    }

    public record ListNamedQueriesResponse(List<String> namedQueryIds, String nextToken) {
    }

    public record UpdateNamedQueryRequest(String namedQueryId, String name, String description, String queryString) {
    }

    public record EmptyResponse() {
    }

    // ---- prepared statements

    public record PreparedStatementRequest(String statementName, String workGroup, String queryStatement, String description) {
    }

    public record PreparedStatementNameRequest(String statementName, String workGroup) {
    }

    public record PreparedStatement(String statementName, String queryStatement, String workGroupName, String description,
                                    Instant lastModifiedTime) {
    }

    public record GetPreparedStatementResponse(PreparedStatement preparedStatement) {
    }

    public record ListPreparedStatementsRequest(String workGroup, String nextToken, Integer maxResults) {
    }

    public record PreparedStatementSummary(String statementName, Instant lastModifiedTime) {
    }

    public record ListPreparedStatementsResponse(List<PreparedStatementSummary> preparedStatements, String nextToken) {
    }

    public record BatchGetPreparedStatementRequest(List<String> preparedStatementNames, String workGroup) {
    }

    public record UnprocessedPreparedStatementName(String statementName, String errorCode, String errorMessage) {
    }

    public record BatchGetPreparedStatementResponse(List<PreparedStatement> preparedStatements,
                                                    List<UnprocessedPreparedStatementName> unprocessedPreparedStatementNames) {
    }
}
