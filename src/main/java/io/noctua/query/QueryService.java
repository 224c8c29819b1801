package io.noctua.query;

import io.noctua.api.InvalidRequestException;
import io.noctua.api.PageTokens;
import io.noctua.api.QueryExecutionState;
import io.noctua.api.QueryShapes.BatchGetQueryExecutionRequest;
import io.noctua.api.QueryShapes.BatchGetQueryExecutionResponse;
import io.noctua.api.QueryShapes.Datum;
import io.noctua.api.QueryShapes.GetQueryExecutionResponse;
import io.noctua.api.QueryShapes.GetQueryResultsRequest;
import io.noctua.api.QueryShapes.GetQueryResultsResponse;
import io.noctua.api.QueryShapes.GetQueryRuntimeStatisticsResponse;
import io.noctua.api.QueryShapes.ListQueryExecutionsRequest;
import io.noctua.api.QueryShapes.ListQueryExecutionsResponse;
import io.noctua.api.QueryShapes.QueryExecutionIdRequest;
import io.noctua.api.QueryShapes.ResultSet;
import io.noctua.api.QueryShapes.ResultSetMetadata;
import io.noctua.api.QueryShapes.Row;
import io.noctua.api.QueryShapes.StartQueryExecutionRequest;
import io.noctua.api.QueryShapes.StartQueryExecutionResponse;
import io.noctua.api.QueryShapes.StopQueryExecutionResponse;
import io.noctua.api.QueryShapes.UnprocessedQueryExecutionId;
import io.noctua.engine.QueryEngine;
import io.noctua.engine.SqlStatements;
import io.noctua.results.ResultStore;
import io.noctua.results.S3Location;
import io.noctua.session.Fingerprints;
import io.noctua.session.Page;
import io.noctua.workgroup.WorkGroup;
import io.noctua.workgroup.WorkGroupService;
import io.noctua.api.WorkGroupState;
import io.noctua.workgroup.WorkGroupStore;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static java.util.Objects.requireNonNull;

/**
 * Athena's SQL query operations on workgroups of Athena's SQL engine. A query is recorded QUEUED,
 * run by the {@link QueryRunner} (which owns its changes of state), and its result is written where
 * Athena writes it: {@code <OutputLocation><QueryExecutionId>.csv} for DML, {@code .txt} for the
 * rest, with a {@code .metadata} object beside it. GetQueryResults reads the result back from the
 * S3 store a page at a time.
 */
public final class QueryService implements AutoCloseable {
    public static final String DEFAULT_CATALOG = "AwsDataCatalog";
    private static final String DEFAULT_DATABASE = "default";

    /** Where queries write their results when neither the workgroup nor the request says. */
    public record Settings(String serverId, String defaultOutputLocation, Path scratch, int maxRunning) {
        public Settings {
            requireNonNull(serverId, "serverId is null");
            requireNonNull(defaultOutputLocation, "defaultOutputLocation is null");
            requireNonNull(scratch, "scratch is null");
        }
    }

    private final QueryStore store;
    private final WorkGroupStore workGroups;
    private final ResultStore results;
    private final Clock clock;
    private final Settings settings;
    private final PreparedStatementService preparedStatements;
    private final QueryRunner runner;
    private final Object tokens = new Object();

    /** {@code catalogs}: the catalogs queries can name besides AwsDataCatalog, and why the others cannot be named. */
    public QueryService(QueryStore store, WorkGroupStore workGroups, PreparedStatementService preparedStatements, QueryEngine engine,
                        ResultStore results, Clock clock, Settings settings, QueryCatalogs catalogs) {
        this.preparedStatements = requireNonNull(preparedStatements, "preparedStatements is null");
        this.store = requireNonNull(store, "store is null");
        this.workGroups = requireNonNull(workGroups, "workGroups is null");
        this.results = requireNonNull(results, "results is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.runner = new QueryRunner(store, settings.serverId(), engine, results, settings.scratch(), clock, settings.maxRunning(), catalogs);
    }

    /** Records the queries a previous run left unfinished as FAILED, and removes their partial result files; returns how many. */
    public int endQueriesOfPreviousRun() {
        runner.removeLeftoverFiles();
        return runner.failUnfinished(settings.serverId(), "The Noctua server stopped before the query finished");
    }

    /** Whether the query runs on this server now. */
    public boolean runs(String queryExecutionId) {
        return runner.runs(queryExecutionId);
    }

    /** Records the unfinished queries of another server, which stopped renewing its lease, as FAILED with {@code reason}. */
    public int endQueriesOf(String serverId, String reason) {
        return runner.failUnfinished(serverId, reason);
    }

    public StartQueryExecutionResponse start(StartQueryExecutionRequest request) {
        String fingerprint = Fingerprints.of(request, "ClientRequestToken");
        if (request.clientRequestToken() == null) {
            return create(request, fingerprint);
        }
        synchronized (tokens) {
            Optional<QueryExecution> earlier = store.byToken(request.clientRequestToken());
            return earlier.isEmpty() ? create(request, fingerprint) : repeat(earlier.get(), fingerprint);
        }
    }

    /** The answer to a call with the token of {@code earlier}: its query, if the call asks for the same. */
    private static StartQueryExecutionResponse repeat(QueryExecution earlier, String fingerprint) {
        if (!fingerprint.equals(earlier.submission().requestFingerprint())) {
            throw new InvalidRequestException("Idempotent parameters do not match", "IDEMPOTENT_PARAMETER_MISMATCH");
        }
        return new StartQueryExecutionResponse(earlier.queryExecutionId());
    }

    private StartQueryExecutionResponse create(StartQueryExecutionRequest request, String fingerprint) {
        WorkGroup workGroup = sqlWorkGroup(request.workGroup() == null ? WorkGroupService.PRIMARY : request.workGroup());
        String statement = oneStatement(request.queryString());
        StatementKind kind = StatementKind.of(statement);
        List<String> parameters = request.executionParameters();
        Runnable action = null;
        switch (kind.substatementType()) {
            case "EXECUTE" -> {
                Execute execute = Execute.parse(statement);
                PreparedStatement prepared = preparedStatements.require(workGroup.name(), execute.name());
                statement = prepared.queryStatement();
                kind = StatementKind.of(statement);
                if (!execute.values().isEmpty()) {
                    if (parameters != null && !parameters.isEmpty()) {
                        throw new InvalidRequestException("Give the values of EXECUTE either in USING or as ExecutionParameters, not both");
                    }
                    parameters = execute.values();
                }
            }
            case "PREPARE" -> {
                Prepare prepare = Prepare.parse(statement);
                oneStatement(prepare.statement());
                action = () -> preparedStatements.prepare(workGroup.name(), prepare.name(), prepare.statement());
            }
            case "DEALLOCATE" -> {
                String name = Deallocate.parse(statement);
                action = () -> preparedStatements.deallocate(workGroup.name(), name);
            }
            default -> {
            }
        }
        if (action == null) {
            statement = bound(statement, parameters);
        }
        String id = UUID.randomUUID().toString();
        String outputLocation = outputDirectory(workGroup, request) + id + kind.resultExtension();
        String database = request.queryExecutionContext() == null || request.queryExecutionContext().database() == null
                ? DEFAULT_DATABASE : request.queryExecutionContext().database();
        String catalog = request.queryExecutionContext() == null || request.queryExecutionContext().catalog() == null
                ? DEFAULT_CATALOG : request.queryExecutionContext().catalog();
        QueryExecution query = new QueryExecution(new QueryExecution.Submission(id, request.queryString(), statement, kind, workGroup.name(),
                catalog, database, outputLocation, request.executionParameters(), workGroup.selectedEngineVersion(),
                workGroup.effectiveEngineVersion(), request.clientRequestToken(), fingerprint, clock.instant()),
                QueryExecution.Status.queued());
        if (action != null) {
            // a statement about saved statements: done now, in the store alone, and recorded as done
            action.run();
            results.write(List.of(new ResultStore.ResultObject(S3Location.parse(outputLocation), new byte[0], "text/plain")));
            query = query.with(query.status().running(clock.instant()).succeeded(clock.instant(), 0, 0, 0, List.of()));
        }
        if (!store.insert(query)) { // another server stored a query with this token since the check: the call is a repeat
            return repeat(store.byToken(request.clientRequestToken())
                    .orElseThrow(() -> new IllegalStateException("query " + id + " could not be stored")), fingerprint);
        }
        if (action == null) {
            runner.submit(query);
        }
        return new StartQueryExecutionResponse(id);
    }

    /** {@code statement} with its {@code ?} markers bound to {@code parameters}, which must match them in number. */
    private static String bound(String statement, List<String> parameters) {
        int markers = SqlStatements.parameterCount(statement);
        int given = parameters == null ? 0 : parameters.size();
        if (markers != given) {
            throw new InvalidRequestException("The query has " + markers + " parameter marker" + (markers == 1 ? "" : "s")
                    + " (?) and " + given + " ExecutionParameters were given; give one value for each marker");
        }
        return given == 0 ? statement : SqlStatements.bind(statement, parameters);
    }

    /** {@code EXECUTE name [USING value, ...]}. */
    private record Execute(String name, List<String> values) {
        static Execute parse(String statement) {
            List<String> words = SqlStatements.leadingWords(statement, 2);
            int using = SqlStatements.indexOfWord(statement, "USING", 0);
            String head = using < 0 ? statement : statement.substring(0, using);
            String name = head.strip().substring("EXECUTE".length()).strip();
            if (words.size() < 2 || name.isEmpty() || name.contains(" ")) {
                throw new InvalidRequestException("EXECUTE takes the name of a prepared statement: EXECUTE name [USING value, ...]");
            }
            List<String> values = using < 0 ? List.of() : SqlStatements.splitTopLevel(statement.substring(using + "USING".length()), ',');
            if (values.stream().anyMatch(String::isEmpty)) {
                throw new InvalidRequestException("EXECUTE ... USING takes values separated by commas, such as USING 'a', 42");
            }
            return new Execute(name, values);
        }
    }

    /** {@code PREPARE name FROM statement}. */
    private record Prepare(String name, String statement) {
        static Prepare parse(String text) {
            int from = SqlStatements.indexOfWord(text, "FROM", 0);
            String name = from < 0 ? "" : text.substring("PREPARE".length(), from).strip();
            if (name.isEmpty() || name.contains(" ") || text.substring(from + "FROM".length()).isBlank()) {
                throw new InvalidRequestException("PREPARE takes a name and a statement: PREPARE name FROM statement");
            }
            return new Prepare(name, text.substring(from + "FROM".length()).strip());
        }
    }

    /** {@code DEALLOCATE PREPARE name}: the name. */
    private static final class Deallocate {
        static String parse(String text) {
            List<String> words = SqlStatements.leadingWords(text, 4);
            if (words.size() != 3 || !words.get(1).equals("PREPARE")) {
                throw new InvalidRequestException("DEALLOCATE takes the name of a prepared statement: DEALLOCATE PREPARE name");
            }
            return text.strip().substring(text.strip().length() - words.get(2).length());
        }
    }

    private WorkGroup sqlWorkGroup(String name) {
        WorkGroup workGroup = workGroups.get(name).orElseThrow(WorkGroupService::notFound);
        if (workGroup.state() != WorkGroupState.ENABLED) {
            throw new InvalidRequestException("WorkGroup " + name + " is disabled.");
        }
        if (workGroup.isSpark()) {
            throw new InvalidRequestException("WorkGroup " + name + " runs Apache Spark (" + workGroup.effectiveEngineVersion()
                    + "): SQL queries need a workgroup of Athena's SQL engine, such as primary");
        }
        return workGroup;
    }

    /** The query's one statement; a trailing semicolon is allowed, as in Athena. */
    private static String oneStatement(String queryString) {
        List<String> statements = SqlStatements.split(queryString);
        if (statements.isEmpty()) {
            throw new InvalidRequestException("The query string holds no statement");
        }
        if (statements.size() > 1) {
            throw new InvalidRequestException("Only one sql statement is allowed. Got: " + queryString.strip());
        }
        return statements.get(0);
    }

    /**
     * Where the result goes: the workgroup's location when the workgroup enforces its configuration
     * (Athena's default), else the request's, else the workgroup's, else the server's default.
     */
    private String outputDirectory(WorkGroup workGroup, StartQueryExecutionRequest request) {
        String requested = request.resultConfiguration() == null ? null : request.resultConfiguration().outputLocation();
        boolean enforced = workGroup.configuration().path("EnforceWorkGroupConfiguration").asBoolean(true);
        Optional<String> own = workGroup.outputLocation();
        String location = own.isPresent() && (enforced || requested == null) ? own.get()
                : requested != null ? requested : settings.defaultOutputLocation();
        if (!S3Location.isValid(location)) {
            throw new InvalidRequestException("OutputLocation " + location + " is not an S3 location; give one such as s3://bucket/prefix/");
        }
        return location.endsWith("/") ? location : location + "/";
    }

    public GetQueryExecutionResponse get(QueryExecutionIdRequest request) {
        return new GetQueryExecutionResponse(QueryViews.queryExecution(require(request.queryExecutionId()), clock.instant()));
    }

    public BatchGetQueryExecutionResponse batchGet(BatchGetQueryExecutionRequest request) {
        List<io.noctua.api.QueryShapes.QueryExecution> found = new ArrayList<>();
        List<UnprocessedQueryExecutionId> missing = new ArrayList<>();
        for (String id : request.queryExecutionIds()) {
            Optional<QueryExecution> query = store.get(id);
            if (query.isPresent()) {
                found.add(QueryViews.queryExecution(query.get(), clock.instant()));
            }
            else {
                missing.add(new UnprocessedQueryExecutionId(id, InvalidRequestException.INVALID_INPUT, notFoundMessage(id)));
            }
        }
        return new BatchGetQueryExecutionResponse(found, missing);
    }

    public ListQueryExecutionsResponse list(ListQueryExecutionsRequest request) {
        String workGroup = request.workGroup() == null ? WorkGroupService.PRIMARY : request.workGroup();
        workGroups.get(workGroup).orElseThrow(WorkGroupService::notFound);
        int limit = request.maxResults() == null || request.maxResults() == 0 ? 50 : request.maxResults();
        String listing = "queries:" + workGroup;
        Page<String> page = store.ids(workGroup, PageTokens.decodeLong(listing, request.nextToken()), limit);
        return new ListQueryExecutionsResponse(page.items(),
                page.nextCursor().map(cursor -> PageTokens.encode(listing, Long.toString(cursor))).orElse(null));
    }

    public StopQueryExecutionResponse stop(QueryExecutionIdRequest request) {
        require(request.queryExecutionId());
        runner.stop(request.queryExecutionId());
        return new StopQueryExecutionResponse();
    }

    public GetQueryResultsResponse results(GetQueryResultsRequest request) {
        QueryExecution query = require(request.queryExecutionId());
        QueryExecutionState state = query.state();
        if (!state.isTerminal()) {
            throw new InvalidRequestException("Query has not yet finished. Current state: " + state);
        }
        if (state != QueryExecutionState.SUCCEEDED) {
            String reason = query.status().stateChangeReason();
            throw new InvalidRequestException("Query did not finish successfully. Final query state: " + state
                    + (reason == null ? "" : "\n" + reason));
        }
        if (request.queryResultType() != null && !request.queryResultType().equals("DATA_ROWS")) {
            throw new InvalidRequestException("QueryResultType " + request.queryResultType() + " is not served: Noctua writes no data "
                    + "manifest; ask for DATA_ROWS");
        }
        int maxRows = request.maxResults() == null ? 1000 : request.maxResults();
        String listing = "results:" + query.queryExecutionId();
        Long from = PageTokens.decodeLong(listing, request.nextToken());
        long offset = from == null ? 0 : from;
        S3Location location = S3Location.parse(query.submission().outputLocation());
        ResultFiles.Page page;
        try (InputStream in = results.open(location, offset)) {
            page = ResultFiles.read(in, offset, maxRows, query.submission().kind().writesCsv());
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot read the result of query " + query.queryExecutionId() + " at " + location, e);
        }
        List<Row> rows = new ArrayList<>(page.rows().size());
        for (String[] values : page.rows()) {
            rows.add(new Row(Arrays.stream(values).map(Datum::new).toList()));
        }
        List<QueryEngine.ResultColumn> columns = query.status().columns() == null ? List.of() : query.status().columns();
        StatementKind kind = query.submission().kind();
        long updateCount = kind.writesCsv() && !kind.substatementType().equals("SELECT") ? query.status().outputRows() : 0;
        return new GetQueryResultsResponse(updateCount, new ResultSet(rows, new ResultSetMetadata(QueryViews.columnInfo(columns))),
                page.nextOffset() < 0 ? null : PageTokens.encode(listing, Long.toString(page.nextOffset())));
    }

    public GetQueryRuntimeStatisticsResponse runtimeStatistics(QueryExecutionIdRequest request) {
        return new GetQueryRuntimeStatisticsResponse(QueryViews.runtimeStatistics(require(request.queryExecutionId()), clock.instant()));
    }

    private QueryExecution require(String id) {
        return store.get(id).orElseThrow(() -> new InvalidRequestException(notFoundMessage(id)));
    }

    private static String notFoundMessage(String id) {
        return "QueryExecution " + id + " was not found";
    }

    /** Stops every query of {@code workGroup} that has not ended: the workgroup is being deleted. */
    public void stopAll(String workGroup) {
        for (QueryExecution query : store.unfinished(null)) {
            if (query.submission().workGroup().equals(workGroup)) {
                runner.stop(query.queryExecutionId());
            }
        }
    }

    /** Stops taking queries; those not finished are recorded FAILED. */
    @Override
    public void close() {
        runner.close();
    }
}
