package io.noctua.query;

import io.noctua.api.QueryExecutionState;
import io.noctua.engine.QueryEngine.ResultColumn;

import java.time.Instant;
import java.util.List;

import static java.util.Objects.requireNonNull;

/** A query execution as stored: what was asked (fixed at the start) and how it stands. */
public record QueryExecution(Submission submission, Status status) {
    public QueryExecution {
        requireNonNull(submission, "submission is null");
        requireNonNull(status, "status is null");
    }

    /**
     * What StartQueryExecution asked for, as it will run.
     *
     * @param query the query string as sent
     * @param statement what runs: the one statement of the query, its parameters bound, a prepared statement's text for EXECUTE
     * @param outputLocation the full URI of the result object ({@code .csv} or {@code .txt})
     */
    public record Submission(String queryExecutionId, String query, String statement, StatementKind kind, String workGroup, String catalog, String database,
                             String outputLocation, List<String> executionParameters, String selectedEngineVersion,
                             String effectiveEngineVersion, String clientRequestToken, String requestFingerprint,
                             Instant submissionDateTime) {
        public Submission {
            requireNonNull(queryExecutionId, "queryExecutionId is null");
            requireNonNull(query, "query is null");
            requireNonNull(statement, "statement is null");
            requireNonNull(kind, "kind is null");
            requireNonNull(workGroup, "workGroup is null");
            requireNonNull(outputLocation, "outputLocation is null");
            executionParameters = executionParameters == null ? null : List.copyOf(executionParameters);
            requireNonNull(submissionDateTime, "submissionDateTime is null");
        }
    }

    /** How a failed query failed, in AthenaError's terms: category 1 system, 2 user. */
    public record Error(int category, int type, boolean retryable, String message) {
        public static Error user(String message) {
            return new Error(2, 1000, false, message);
        }

        public static Error system(int type, String message) {
            return new Error(1, type, true, message);
        }
    }

    /**
     * @param dataScannedInBytes what the query read from tables and files
     * @param columns the result's columns, once it has succeeded
     */
    public record Status(QueryExecutionState state, String stateChangeReason, Error error, Instant startDateTime,
                         Instant completionDateTime, long dataScannedInBytes, long inputRows, long outputRows, List<ResultColumn> columns) {
        public Status {
            requireNonNull(state, "state is null");
            columns = columns == null ? null : List.copyOf(columns);
        }

        public static Status queued() {
            return new Status(QueryExecutionState.QUEUED, null, null, null, null, 0, 0, 0, null);
        }

        public Status running(Instant now) {
            return new Status(QueryExecutionState.RUNNING, null, null, now, null, 0, 0, 0, null);
        }

        public Status succeeded(Instant now, long dataScanned, long rowsIn, long rowsOut, List<ResultColumn> resultColumns) {
            return new Status(QueryExecutionState.SUCCEEDED, null, null, startDateTime, now, dataScanned, rowsIn, rowsOut, resultColumns);
        }

        public Status failed(Instant now, Error failure) {
            return new Status(QueryExecutionState.FAILED, failure.message(), failure, startDateTime, now, dataScannedInBytes, inputRows,
                    outputRows, null);
        }

        public Status cancelled(Instant now, String reason) {
            return new Status(QueryExecutionState.CANCELLED, reason, null, startDateTime, now, dataScannedInBytes, inputRows, outputRows,
                    null);
        }
    }

    public String queryExecutionId() {
        return submission.queryExecutionId();
    }

    public QueryExecutionState state() {
        return status.state();
    }

    public QueryExecution with(Status next) {
        return new QueryExecution(submission, next);
    }
}
