package io.noctua.query;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.noctua.api.QueryExecutionState;
import io.noctua.concurrent.Threads;
import io.noctua.engine.QueryEngine;
import io.noctua.engine.hive.RemoteCatalogs;
import io.noctua.results.ResultStore;
import io.noctua.results.S3Location;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * Runs query executions, at most {@code maxRunning} at once; the others wait in the QUEUED state,
 * first come first served. Every change of state is one compare-and-set in the store, which owns
 * the state: a stop moves QUEUED or RUNNING to CANCELLED at once and then cancels the engine's
 * work, and the runner's own end (SUCCEEDED or FAILED) is written only if the query is still
 * RUNNING; a query stopped while queued is never started.
 */
final class QueryRunner implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(QueryRunner.class.getName());
    static final String CANCELLED_REASON = "Query was cancelled by a StopQueryExecution call";
    /** The metadata file's JSON: members as GetQueryResults names them. */
    private static final ObjectMapper JSON = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .propertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.UPPER_CAMEL_CASE)
            .serializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
            .build();

    private final QueryStore store;
    private final String serverId;
    private final QueryEngine engine;
    private final ResultStore results;
    private final Path scratch;
    private final Clock clock;
    private final QueryCatalogs catalogs;
    private final ExecutorService pool;
    /** The queries between their start and their end, each with the flag a stop sets. */
    private final Map<String, AtomicBoolean> running = new ConcurrentHashMap<>();

    /** @param serverId the server this runner runs queries for: at its close, its unfinished queries are ended */
    /**
     * {@code catalogs}: the catalogs a query can name besides AwsDataCatalog, read as each query starts.
     */
    QueryRunner(QueryStore store, String serverId, QueryEngine engine, ResultStore results, Path scratch, Clock clock, int maxRunning,
                QueryCatalogs catalogs) {
        this.catalogs = requireNonNull(catalogs, "catalogs is null");
        this.store = requireNonNull(store, "store is null");
        this.serverId = requireNonNull(serverId, "serverId is null");
        this.engine = requireNonNull(engine, "engine is null");
        this.results = requireNonNull(results, "results is null");
        this.scratch = requireNonNull(scratch, "scratch is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.pool = new ThreadPoolExecutor(maxRunning, maxRunning, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                Threads.daemons("query"));
    }

    /** Whether the query is between its start and its end on this server. */
    boolean runs(String queryExecutionId) {
        return running.containsKey(queryExecutionId);
    }

    void submit(QueryExecution queued) {
        pool.execute(() -> run(queued));
    }

    private void run(QueryExecution queued) {
        String id = queued.queryExecutionId();
        QueryExecution.Status started = queued.status().running(clock.instant());
        AtomicBoolean stopped = new AtomicBoolean();
        running.put(id, stopped); // before it is RUNNING: a stop that sees RUNNING finds the flag
        if (!store.update(id, QueryExecutionState.QUEUED, started)) {
            running.remove(id);
            return; // stopped while it waited
        }
        QueryExecution.Submission submission = queued.submission();
        ResultFiles.Writer writer = null;
        try {
            RemoteCatalogs remote;
            try {
                remote = catalogs.remoteCatalogs();
            }
            catch (RuntimeException e) {
                throw new QueryEngine.QueryFailedException("Noctua could not read its data catalogs: " + e.getMessage(), false, e);
            }
            String catalog = null;
            if (!submission.catalog().equalsIgnoreCase(QueryService.DEFAULT_CATALOG)) {
                catalog = remote.nameOf(submission.catalog());
                if (catalog == null) {
                    String problem = catalogs.notQueryable(submission.catalog());
                    throw new QueryEngine.QueryFailedException(problem != null ? "CATALOG_NOT_QUERYABLE: " + problem
                            : "CATALOG_NOT_FOUND: Catalog '" + submission.catalog() + "' does not exist", true, null);
                }
            }
            AthenaDialect.Translation translation;
            try {
                translation = AthenaDialect.translate(submission.statement(), submission.kind(), tablesLocation(submission));
            }
            catch (AthenaDialect.Unsupported e) {
                throw new QueryEngine.QueryFailedException(e.getMessage(), true, e);
            }
            if (translation.emptyLocation() != null && !engine.isEmptyLocation(translation.emptyLocation())) {
                throw new QueryEngine.QueryFailedException("The destination " + translation.emptyLocation() + " is not empty: UNLOAD writes "
                        + "only where nothing is stored yet", true, null);
            }
            writer = new ResultFiles.Writer(scratch, submission.kind().writesCsv());
            QueryEngine.RowSink sink = translation.projection() == null ? writer : new Projecting(writer, translation.projection());
            QueryEngine.Outcome outcome = engine.run(id, translation.sparkSql(),
                    new QueryEngine.Context(catalog, submission.database(), remote), sink, stopped::get);
            S3Location location = S3Location.parse(submission.outputLocation());
            results.writeFile(location, writer.finish(), submission.kind().writesCsv() ? "text/csv" : "text/plain");
            results.write(List.of(new ResultStore.ResultObject(S3Location.parse(submission.outputLocation() + ".metadata"),
                    metadata(writer.resultColumns()), "application/json")));
            end(id, started.succeeded(clock.instant(), outcome.inputBytes(), outcome.inputRows(), outcome.outputRows(),
                    writer.resultColumns()));
        }
        catch (QueryEngine.QueryFailedException e) {
            discard(writer);
            end(id, started.failed(clock.instant(), e.userError()
                    ? QueryExecution.Error.user(e.getMessage())
                    : QueryExecution.Error.system(200, e.getMessage())));
        }
        catch (RuntimeException | Error e) {
            discard(writer);
            LOG.log(Level.WARNING, "query " + id + " failed outside its engine", e);
            end(id, started.failed(clock.instant(), QueryExecution.Error.system(401,
                    "Noctua could not write the query's result to " + submission.outputLocation() + ": " + e.getMessage())));
        }
        finally {
            running.remove(id);
        }
    }

    /** Where a CTAS that names no location writes: {@code tables/<query id>/} beside the query's result, as in Athena. */
    private static String tablesLocation(QueryExecution.Submission submission) {
        String result = submission.outputLocation();
        return result.substring(0, result.lastIndexOf('/') + 1) + "tables/" + submission.queryExecutionId() + "/";
    }

    /** Keeps the result columns Athena shows, under Athena's names. */
    private record Projecting(QueryEngine.RowSink sink, AthenaDialect.Projection projection) implements QueryEngine.RowSink {
        @Override
        public void columns(List<QueryEngine.ResultColumn> columns) {
            List<QueryEngine.ResultColumn> kept = new java.util.ArrayList<>();
            int[] indexes = projection.columns();
            for (int i = 0; i < indexes.length; i++) {
                QueryEngine.ResultColumn column = columns.get(indexes[i]);
                kept.add(new QueryEngine.ResultColumn(projection.names()[i], column.type(), column.precision(), column.scale(),
                        column.caseSensitive()));
            }
            sink.columns(kept);
        }

        @Override
        public void row(String[] values) {
            int[] indexes = projection.columns();
            String[] kept = new String[indexes.length];
            for (int i = 0; i < indexes.length; i++) {
                kept[i] = values[indexes[i]];
            }
            sink.row(kept);
        }
    }

    private static void discard(ResultFiles.Writer writer) {
        if (writer != null) {
            writer.discard();
        }
    }

    /** The metadata object beside a result: its columns, as GetQueryResults' ResultSetMetadata shows them. */
    private static byte[] metadata(List<QueryEngine.ResultColumn> columns) {
        try {
            return JSON.writeValueAsString(Map.of("ColumnInfo", QueryViews.columnInfo(columns))).getBytes(StandardCharsets.UTF_8);
        }
        catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The runner's end, written only if nothing else (a stop, a shutdown) ended the query first. */
    private void end(String id, QueryExecution.Status end) {
        try {
            if (!store.update(id, QueryExecutionState.RUNNING, end)) {
                LOG.fine(() -> "query " + id + " ended " + end.state() + " after it was stopped");
            }
        }
        catch (RuntimeException e) {
            LOG.warning("query " + id + " ended " + end.state() + ", but the store could not record it (it is recorded FAILED at the "
                    + "next start): " + e.getMessage());
        }
    }

    /** Moves a query that has not ended to CANCELLED and stops its work; one that has ended is left as it is. */
    void stop(String id) {
        while (true) {
            Optional<QueryExecution> current = store.get(id);
            if (current.isEmpty() || current.get().state().isTerminal()) {
                return;
            }
            QueryExecutionState was = current.get().state();
            if (store.update(id, was, current.get().status().cancelled(clock.instant(), CANCELLED_REASON))) {
                AtomicBoolean flag = running.get(id);
                if (flag != null) {
                    flag.set(true); // first the flag, then the cancel: the engine reads the flag after it follows the work
                }
                if (was == QueryExecutionState.RUNNING) {
                    engine.cancel(id);
                }
                return;
            }
        }
    }

    /**
     * Removes the result files a previous run was writing when it stopped: called at start, before
     * any query runs, so nothing under the scratch directory is in use.
     */
    int removeLeftoverFiles() {
        if (!java.nio.file.Files.isDirectory(scratch)) {
            return 0;
        }
        int removed = 0;
        try (var files = java.nio.file.Files.list(scratch)) {
            for (Path file : files.toList()) {
                if (java.nio.file.Files.deleteIfExists(file)) {
                    removed++;
                }
            }
        }
        catch (java.io.IOException e) {
            LOG.warning("cannot remove the result files left in " + scratch + ": " + e.getMessage());
        }
        return removed;
    }

    /**
     * Ends every query of the server {@code serverId} not yet ended as FAILED with {@code reason}: those
     * of this server's previous run, this one's at shutdown, or those of a server that stopped renewing its lease.
     */
    int failUnfinished(String serverId, String reason) {
        int ended = 0;
        for (QueryExecution query : store.unfinished(serverId)) {
            if (store.update(query.queryExecutionId(), query.state(),
                    query.status().failed(clock.instant(), QueryExecution.Error.system(100, reason)))) {
                ended++;
            }
        }
        return ended;
    }

    /**
     * Stops taking queries, records every unfinished one FAILED, then cancels the running ones' work
     * and waits a little for their threads. Threads are never interrupted: an interrupt inside a
     * metastore call can break the catalog every session shares.
     */
    @Override
    public void close() {
        pool.shutdown();
        int ended = failUnfinished(serverId, "The Noctua server stopped before the query finished");
        running.forEach((id, flag) -> {
            flag.set(true);
            engine.cancel(id);
        });
        try {
            if (!pool.awaitTermination(Duration.ofSeconds(5).toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warning("some queries' threads did not end within 5 s of their cancel");
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ended > 0) {
            LOG.info("ended " + ended + " queries that had not finished when the server stopped");
        }
    }
}
