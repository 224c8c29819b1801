package io.noctua.query;

import io.noctua.testing.Athena;
import io.noctua.testing.ServerExtension;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.BatchGetQueryExecutionResponse;
import software.amazon.awssdk.services.athena.model.ColumnInfo;
import software.amazon.awssdk.services.athena.model.Datum;
import software.amazon.awssdk.services.athena.model.GetQueryResultsResponse;
import software.amazon.awssdk.services.athena.model.InvalidRequestException;
import software.amazon.awssdk.services.athena.model.QueryExecution;
import software.amazon.awssdk.services.athena.model.QueryExecutionState;
import software.amazon.awssdk.services.athena.model.Row;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SQL query API through the AWS SDK for Java v2: lifecycle, types, paging, errors, stop, idempotency, parameters. */
class QueryApiTest {
    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private final TestingServer server = running.server();
    private final AthenaClient athena = running.client();

    static String start(AthenaClient athena, String sql) {
        return Athena.startQuery(athena, sql);
    }

    static QueryExecution await(AthenaClient athena, String id) {
        return Athena.awaitQuery(athena, id);
    }

    static QueryExecution succeeded(AthenaClient athena, String sql) {
        return Athena.querySucceeded(athena, sql);
    }

    private static List<String> values(Row row) {
        return row.data().stream().map(Datum::varCharValue).toList();
    }

    @Test
    void aSelectRunsAndItsResultIsPagedWithTheHeaderFirst() {
        QueryExecution done = succeeded(athena, "SELECT 1 AS one, 'a' AS s;");
        assertEquals("DML", done.statementTypeAsString());
        assertEquals("SELECT", done.substatementType());
        assertEquals("primary", done.workGroup());
        assertEquals("default", done.queryExecutionContext().database());
        assertEquals("AwsDataCatalog", done.queryExecutionContext().catalog());
        assertTrue(done.resultConfiguration().outputLocation().endsWith("/" + done.queryExecutionId() + ".csv"),
                done.resultConfiguration().outputLocation());
        assertNotNull(done.status().submissionDateTime());
        assertNotNull(done.status().completionDateTime());
        assertNotNull(done.statistics().engineExecutionTimeInMillis());
        assertEquals(0L, done.statistics().dataScannedInBytes());
        assertEquals("Athena engine version 3", done.engineVersion().effectiveEngineVersion());

        GetQueryResultsResponse results = athena.getQueryResults(r -> r.queryExecutionId(done.queryExecutionId()));
        assertEquals(List.of(List.of("one", "s"), List.of("1", "a")), results.resultSet().rows().stream().map(QueryApiTest::values).toList());
        List<ColumnInfo> columns = results.resultSet().resultSetMetadata().columnInfo();
        assertEquals(List.of("integer", "varchar"), columns.stream().map(ColumnInfo::type).toList());
        assertEquals(10, columns.get(0).precision());
        assertNull(results.nextToken());
        // the CSV where Athena writes it: every value quoted, the header first
        assertEquals("\"one\",\"s\"\n\"1\",\"a\"\n", server.readResult(done.resultConfiguration().outputLocation()));

        String paged = succeeded(athena, "SELECT id, CASE WHEN id % 2 = 0 THEN NULL ELSE concat('v', id) END AS v FROM range(2500)")
                .queryExecutionId();
        List<List<String>> rows = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            String next = token;
            GetQueryResultsResponse page = athena.getQueryResults(r -> r.queryExecutionId(paged).maxResults(1000).nextToken(next));
            page.resultSet().rows().forEach(row -> rows.add(values(row)));
            token = page.nextToken();
            pages++;
        } while (token != null);
        assertEquals(3, pages);
        assertEquals(2501, rows.size());
        assertEquals(List.of("id", "v"), rows.get(0));
        assertEquals(java.util.Arrays.asList("0", null), rows.get(1));
        assertEquals(List.of("2499", "v2499"), rows.get(2500));
        String other = done.queryExecutionId();
        String firstToken = athena.getQueryResults(r -> r.queryExecutionId(paged).maxResults(10)).nextToken();
        assertThrows(InvalidRequestException.class, () -> athena.getQueryResults(r -> r.queryExecutionId(other).nextToken(firstToken)));
    }

    @Test
    void everyAthenaTypeHasItsNameAndText() {
        QueryExecution done = succeeded(athena, "SELECT CAST(1 AS TINYINT) AS t, CAST(2 AS SMALLINT) AS sm, 3 AS i, CAST(4 AS BIGINT) AS b, "
                + "CAST(1.5 AS DOUBLE) AS d, CAST(2.5 AS FLOAT) AS f, true AS bo, DATE '2024-02-29' AS da, "
                + "TIMESTAMP '2024-02-29 13:14:15.5' AS ts, CAST(12.3 AS DECIMAL(10,2)) AS de, array(1, 2) AS a, map('k', 1) AS m, "
                + "named_struct('x', 1, 'y', 'b') AS r, CAST(NULL AS STRING) AS n, '' AS e, 'say \"hi\", then\nleave' AS q");
        GetQueryResultsResponse results = athena.getQueryResults(r -> r.queryExecutionId(done.queryExecutionId()));
        List<ColumnInfo> columns = results.resultSet().resultSetMetadata().columnInfo();
        assertEquals(List.of("tinyint", "smallint", "integer", "bigint", "double", "float", "boolean", "date", "timestamp", "decimal",
                "array", "map", "row", "varchar", "varchar", "varchar"), columns.stream().map(ColumnInfo::type).toList());
        assertEquals(10, columns.get(9).precision());
        assertEquals(2, columns.get(9).scale());
        assertEquals(java.util.Arrays.asList("1", "2", "3", "4", "1.5", "2.5", "true", "2024-02-29", "2024-02-29 13:14:15.500", "12.30",
                "[1, 2]", "{k=1}", "{x=1, y=b}", null, "", "say \"hi\", then\nleave"), values(results.resultSet().rows().get(1)));
    }

    @Test
    void parametersAreBoundInOrder() {
        String id = athena.startQueryExecution(r -> r.queryString("SELECT ? AS a, ? AS b, '?' AS c").workGroup("primary")
                .executionParameters("41 + 1", "'x'")).queryExecutionId();
        QueryExecution done = await(athena, id);
        assertEquals(QueryExecutionState.SUCCEEDED, done.status().state(), done.status().stateChangeReason());
        assertEquals(List.of("41 + 1", "'x'"), done.executionParameters());
        assertEquals(List.of("42", "x", "?"), values(athena.getQueryResults(r -> r.queryExecutionId(id)).resultSet().rows().get(1)));
        InvalidRequestException missing = assertThrows(InvalidRequestException.class,
                () -> athena.startQueryExecution(r -> r.queryString("SELECT ?, ?").executionParameters("1")));
        assertEquals("The query has 2 parameter markers (?) and 1 ExecutionParameters were given; give one value for each marker",
                missing.awsErrorDetails().errorMessage());
    }

    @Test
    void badRequestsAndFailedQueriesSayWhy() {
        InvalidRequestException unknown = assertThrows(InvalidRequestException.class,
                () -> athena.getQueryExecution(r -> r.queryExecutionId("5f0d3e5e-0000-4000-8000-000000000000")));
        assertEquals("QueryExecution 5f0d3e5e-0000-4000-8000-000000000000 was not found", unknown.awsErrorDetails().errorMessage());
        InvalidRequestException spark = assertThrows(InvalidRequestException.class,
                () -> athena.startQueryExecution(r -> r.queryString("SELECT 1").workGroup("spark")));
        assertTrue(spark.awsErrorDetails().errorMessage().startsWith("WorkGroup spark runs Apache Spark"), spark.getMessage());
        assertThrows(InvalidRequestException.class, () -> athena.startQueryExecution(r -> r.queryString("SELECT 1").workGroup("nope")));
        InvalidRequestException two = assertThrows(InvalidRequestException.class,
                () -> athena.startQueryExecution(r -> r.queryString("SELECT 1; SELECT 2")));
        assertEquals("Only one sql statement is allowed. Got: SELECT 1; SELECT 2", two.awsErrorDetails().errorMessage());

        QueryExecution failed = await(athena, start(athena, "SELECT * FROM no_such_table_anywhere"));
        assertEquals(QueryExecutionState.FAILED, failed.status().state());
        assertEquals(2, failed.status().athenaError().errorCategory());
        assertFalse(failed.status().athenaError().retryable());
        assertTrue(failed.status().stateChangeReason().contains("no_such_table_anywhere"), failed.status().stateChangeReason());
        InvalidRequestException notDone = assertThrows(InvalidRequestException.class,
                () -> athena.getQueryResults(r -> r.queryExecutionId(failed.queryExecutionId())));
        assertTrue(notDone.awsErrorDetails().errorMessage().startsWith("Query did not finish successfully. Final query state: FAILED"));

        QueryExecution noSchema = await(athena, athena.startQueryExecution(r -> r.queryString("SELECT 1")
                .queryExecutionContext(c -> c.database("no_such_database_here"))).queryExecutionId());
        assertEquals(QueryExecutionState.FAILED, noSchema.status().state());
        assertTrue(noSchema.status().stateChangeReason().contains("no_such_database_here"));

        BatchGetQueryExecutionResponse batch = athena.batchGetQueryExecution(r -> r.queryExecutionIds(failed.queryExecutionId(), "missing-id"));
        assertEquals(1, batch.queryExecutions().size());
        assertEquals("missing-id", batch.unprocessedQueryExecutionIds().get(0).queryExecutionId());
    }

    @Test
    void aStopCancelsARunningQueryAtOnce() {
        String id = start(athena, "SELECT reflect('java.lang.Thread', 'sleep', cast(60000 as bigint))");
        Athena.await(() -> athena.getQueryExecution(r -> r.queryExecutionId(id)).queryExecution().status().state() == QueryExecutionState.RUNNING,
                "the query to run", Duration.ofSeconds(30));
        long begin = System.nanoTime();
        athena.stopQueryExecution(r -> r.queryExecutionId(id));
        QueryExecution stopped = athena.getQueryExecution(r -> r.queryExecutionId(id)).queryExecution();
        assertEquals(QueryExecutionState.CANCELLED, stopped.status().state());
        assertTrue(System.nanoTime() - begin < Duration.ofSeconds(1).toNanos());
        athena.stopQueryExecution(r -> r.queryExecutionId(id)); // again: nothing to do
        assertEquals(QueryExecutionState.CANCELLED, athena.getQueryExecution(r -> r.queryExecutionId(id)).queryExecution().status().state());
        // its Spark job was cancelled too: the next query runs at once on the freed cores
        succeeded(athena, "SELECT count(*) FROM range(1000)");
    }

    @Test
    void aRepeatedTokenAnswersWithTheFirstQuery() {
        String token = UUID.randomUUID().toString();
        String first = athena.startQueryExecution(r -> r.queryString("SELECT 7").clientRequestToken(token)).queryExecutionId();
        String again = athena.startQueryExecution(r -> r.queryString("SELECT 7").clientRequestToken(token)).queryExecutionId();
        assertEquals(first, again);
        InvalidRequestException other = assertThrows(InvalidRequestException.class,
                () -> athena.startQueryExecution(r -> r.queryString("SELECT 8").clientRequestToken(token)));
        assertEquals("Idempotent parameters do not match", other.awsErrorDetails().errorMessage());
        await(athena, first);
    }

    @Test
    void listingIsNewestFirstAndPaged() {
        String workGroup = "sql-" + UUID.randomUUID().toString().substring(0, 8);
        athena.createWorkGroup(r -> r.name(workGroup));
        List<String> started = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int n = i;
            started.add(athena.startQueryExecution(r -> r.queryString("SELECT " + n).workGroup(workGroup)).queryExecutionId());
        }
        var first = athena.listQueryExecutions(r -> r.workGroup(workGroup).maxResults(2));
        assertEquals(List.of(started.get(2), started.get(1)), first.queryExecutionIds());
        var second = athena.listQueryExecutions(r -> r.workGroup(workGroup).maxResults(2).nextToken(first.nextToken()));
        assertEquals(List.of(started.get(0)), second.queryExecutionIds());
        assertNull(second.nextToken());
        started.forEach(id -> await(athena, id));
    }

    @Test
    void namedQueriesAreSavedListedChangedAndDeleted() {
        String token = UUID.randomUUID().toString();
        String id = athena.createNamedQuery(r -> r.name("daily").description("the daily count").database("default")
                .queryString("SELECT 1 AS n").clientRequestToken(token)).namedQueryId();
        assertEquals(id, athena.createNamedQuery(r -> r.name("daily").description("the daily count").database("default")
                .queryString("SELECT 1 AS n").clientRequestToken(token)).namedQueryId());
        var named = athena.getNamedQuery(r -> r.namedQueryId(id)).namedQuery();
        assertEquals(List.of("daily", "the daily count", "default", "SELECT 1 AS n", "primary"),
                List.of(named.name(), named.description(), named.database(), named.queryString(), named.workGroup()));
        assertTrue(athena.listNamedQueries(r -> r.workGroup("primary")).namedQueryIds().contains(id));
        athena.updateNamedQuery(r -> r.namedQueryId(id).name("daily").queryString("SELECT 2 AS n"));
        assertEquals("SELECT 2 AS n", athena.getNamedQuery(r -> r.namedQueryId(id)).namedQuery().queryString());
        var batch = athena.batchGetNamedQuery(r -> r.namedQueryIds(id, "no-such-named-query"));
        assertEquals(1, batch.namedQueries().size());
        assertEquals("no-such-named-query", batch.unprocessedNamedQueryIds().get(0).namedQueryId());
        athena.deleteNamedQuery(r -> r.namedQueryId(id));
        InvalidRequestException gone = assertThrows(InvalidRequestException.class, () -> athena.getNamedQuery(r -> r.namedQueryId(id)));
        assertEquals("NamedQuery " + id + " was not found", gone.awsErrorDetails().errorMessage());
    }

    @Test
    void preparedStatementsRunWithExecuteUsing() {
        String name = "by_parity_" + UUID.randomUUID().toString().substring(0, 8);
        athena.createPreparedStatement(r -> r.statementName(name).workGroup("primary")
                .queryStatement("SELECT count(*) AS n FROM range(10) WHERE id % ? = ? AND 'a?' <> ?").description("count"));
        assertThrows(InvalidRequestException.class, () -> athena.createPreparedStatement(r -> r.statementName(name).workGroup("primary")
                .queryStatement("SELECT 1")));
        assertEquals("count", athena.getPreparedStatement(r -> r.statementName(name).workGroup("primary")).preparedStatement().description());
        assertTrue(athena.listPreparedStatements(r -> r.workGroup("primary")).preparedStatements().stream()
                .anyMatch(p -> p.statementName().equals(name)));

        QueryExecution executed = succeeded(athena, "EXECUTE " + name + " USING 2, 1, 'b'");
        assertEquals("SELECT", executed.substatementType());
        assertEquals(List.of("5"), values(athena.getQueryResults(r -> r.queryExecutionId(executed.queryExecutionId())).resultSet().rows().get(1)));
        String withParameters = athena.startQueryExecution(r -> r.queryString("EXECUTE " + name).executionParameters("5", "0", "'b'"))
                .queryExecutionId();
        assertEquals(QueryExecutionState.SUCCEEDED, await(athena, withParameters).status().state());
        assertEquals(List.of("2"), values(athena.getQueryResults(r -> r.queryExecutionId(withParameters)).resultSet().rows().get(1)));

        athena.updatePreparedStatement(r -> r.statementName(name).workGroup("primary").queryStatement("SELECT ? * 2 AS twice"));
        QueryExecution updated = succeeded(athena, "EXECUTE " + name + " USING 21");
        assertEquals(List.of("42"), values(athena.getQueryResults(r -> r.queryExecutionId(updated.queryExecutionId())).resultSet().rows().get(1)));

        // the SQL forms
        QueryExecution prepared = succeeded(athena, "PREPARE " + name + "_sql FROM SELECT upper(?) AS u");
        assertEquals("UTILITY", prepared.statementTypeAsString());
        QueryExecution ran = succeeded(athena, "EXECUTE " + name + "_sql USING 'quiet'");
        assertEquals(List.of("QUIET"), values(athena.getQueryResults(r -> r.queryExecutionId(ran.queryExecutionId())).resultSet().rows().get(1)));
        succeeded(athena, "DEALLOCATE PREPARE " + name + "_sql");
        assertThrows(software.amazon.awssdk.services.athena.model.ResourceNotFoundException.class,
                () -> athena.getPreparedStatement(r -> r.statementName(name + "_sql").workGroup("primary")));

        athena.deletePreparedStatement(r -> r.statementName(name).workGroup("primary"));
        assertThrows(software.amazon.awssdk.services.athena.model.ResourceNotFoundException.class,
                () -> athena.startQueryExecution(r -> r.queryString("EXECUTE " + name + " USING 1")));
    }
}
