package io.noctua.engine;

import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * What serves the SQL API's statements: one statement at a time, in a database of the shared
 * catalog, its rows handed over as Athena shows them. Spark SQL is the one engine today
 * ({@link SparkQueryEngine}); another could serve SQL workgroups behind the same interface.
 */
public interface QueryEngine {
    /** One result column, typed as Athena names types ({@code varchar}, {@code integer}, {@code decimal}...). */
    record ResultColumn(String name, String type, int precision, int scale, boolean caseSensitive) {
    }

    /** Where a statement's result goes, row by row, so that no result is held whole in memory. */
    interface RowSink {
        /** Called once, before any row. */
        void columns(List<ResultColumn> columns);

        /** One row: each value as Athena's text shows it, null for NULL. */
        void row(String[] values);
    }

    /**
     * What a statement did: the data it read from tables and files, and its output rows: those it
     * returned or, for a statement that returns none (INSERT, CTAS, UNLOAD), those it wrote.
     */
    record Outcome(long inputBytes, long inputRows, long outputRows) {
    }

    /**
     * Where a statement runs: its current catalog and database, and the remote catalogs it can name.
     *
     * @param catalog a HIVE data catalog of {@code remoteCatalogs}, or null for AwsDataCatalog, the shared catalog
     */
    record Context(String catalog, String database, io.noctua.engine.hive.RemoteCatalogs remoteCatalogs) {
        public Context {
            java.util.Objects.requireNonNull(remoteCatalogs, "remoteCatalogs is null");
        }
    }

    /**
     * Runs one statement in {@code context} (its current catalog and database), under the job group
     * {@code queryExecutionId}. Throws {@link QueryFailedException} with the engine's reason if it
     * cannot be analysed or fails, including when {@link #cancel} stopped it.
     *
     * @param stopped true once the query is stopped: read after the engine starts following the
     *     query's work, so that a stop that came before {@link #cancel} could reach that work is not lost
     */
    Outcome run(String queryExecutionId, String statement, Context context, RowSink sink, BooleanSupplier stopped);

    /** Whether nothing is stored at or under {@code location} (a URI such as {@code s3://bucket/prefix/}). */
    boolean isEmptyLocation(String location);

    /** Cancels the statement's running work, and any it starts later. */
    void cancel(String queryExecutionId);

    /** Thrown when a statement does not run to its end; {@code userError}: the statement is at fault, not the engine. */
    final class QueryFailedException extends RuntimeException {
        private final boolean userError;

        public QueryFailedException(String message, boolean userError, Throwable cause) {
            super(message, cause);
            this.userError = userError;
        }

        public boolean userError() {
            return userError;
        }
    }
}
