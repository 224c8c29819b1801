package io.noctua.query;

import io.noctua.api.QueryExecutionState;
import io.noctua.api.QueryShapes;
import io.noctua.api.WorkGroupShapes;
import io.noctua.engine.QueryEngine.ResultColumn;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Query executions as the API shows them. */
final class QueryViews {
    private QueryViews() {
    }

    static QueryShapes.QueryExecution queryExecution(QueryExecution query, Instant now) {
        QueryExecution.Submission s = query.submission();
        QueryExecution.Status status = query.status();
        QueryExecution.Error error = status.error();
        return new QueryShapes.QueryExecution(
                s.queryExecutionId(), s.query(), s.kind().statementType(),
                new QueryShapes.ResultConfiguration(s.outputLocation(), null, null, null),
                new QueryShapes.ResultReuseConfiguration(new QueryShapes.ResultReuseByAgeConfiguration(false, null)),
                new QueryShapes.QueryExecutionContext(s.database(), s.catalog()),
                new QueryShapes.QueryExecutionStatus(status.state(), status.stateChangeReason(), s.submissionDateTime(),
                        status.completionDateTime(),
                        error == null ? null : new QueryShapes.AthenaError(error.category(), error.type(), error.retryable(), error.message())),
                statistics(query, now),
                s.workGroup(),
                new WorkGroupShapes.EngineVersion(s.selectedEngineVersion(), s.effectiveEngineVersion()),
                s.executionParameters(),
                s.kind().substatementType());
    }

    private static QueryShapes.QueryExecutionStatistics statistics(QueryExecution query, Instant now) {
        Timeline t = Timeline.of(query, now);
        return new QueryShapes.QueryExecutionStatistics(t.engine, query.status().dataScannedInBytes(), null, t.total, t.queue, 0L,
                0L, 0L, new QueryShapes.ResultReuseInformation(false));
    }

    static QueryShapes.QueryRuntimeStatistics runtimeStatistics(QueryExecution query, Instant now) {
        Timeline t = Timeline.of(query, now);
        QueryExecution.Status status = query.status();
        return new QueryShapes.QueryRuntimeStatistics(
                new QueryShapes.QueryRuntimeStatisticsTimeline(t.queue, 0L, 0L, t.engine, 0L, t.total),
                new QueryShapes.QueryRuntimeStatisticsRows(status.inputRows(), status.dataScannedInBytes(), null,
                        status.state() == QueryExecutionState.SUCCEEDED ? status.outputRows() : null));
    }

    /** Milliseconds queued, in the engine, and in all, up to the end or, while the query runs, up to now. */
    private record Timeline(long queue, long engine, long total) {
        static Timeline of(QueryExecution query, Instant now) {
            Instant submitted = query.submission().submissionDateTime();
            QueryExecution.Status status = query.status();
            Instant end = status.completionDateTime() != null ? status.completionDateTime() : now;
            Instant started = status.startDateTime() != null ? status.startDateTime() : end;
            return new Timeline(millis(submitted, started), millis(started, end), millis(submitted, end));
        }
    }

    private static long millis(Instant from, Instant to) {
        return Math.max(0, Duration.between(from, to).toMillis());
    }

    static List<QueryShapes.ColumnInfo> columnInfo(List<ResultColumn> columns) {
        return columns.stream()
                .map(c -> new QueryShapes.ColumnInfo("hive", "", "", c.name(), c.name(), c.type(), c.precision(), c.scale(), "UNKNOWN",
                        c.caseSensitive()))
                .toList();
    }
}
