package io.noctua.query;

import io.noctua.testing.Athena;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.Datum;
import software.amazon.awssdk.services.athena.model.QueryExecution;
import software.amazon.awssdk.services.athena.model.QueryExecutionState;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Queries across a restart: what finished is kept with its results, what ran ends FAILED with a reason. */
class QueryRestartTest {
    @Test
    void aRestartKeepsFinishedQueriesAndFailsRunningOnes() {
        Path dataDir = TestingServer.temporaryDirectory("noctua-query-restart-");
        String finished;
        String running;
        try (TestingServer first = TestingServer.start(dataDir, Map.of())) {
            AthenaClient athena = first.client();
            finished = QueryApiTest.succeeded(athena, "SELECT 'kept' AS word").queryExecutionId();
            running = QueryApiTest.start(athena, "SELECT reflect('java.lang.Thread', 'sleep', cast(60000 as bigint))");
            Athena.await(() -> athena.getQueryExecution(r -> r.queryExecutionId(running)).queryExecution().status().state()
                    == QueryExecutionState.RUNNING, "the query to run", Duration.ofSeconds(30));
        }
        try (TestingServer second = TestingServer.start(dataDir, Map.of())) {
            AthenaClient athena = second.client();
            QueryExecution failed = athena.getQueryExecution(r -> r.queryExecutionId(running)).queryExecution();
            assertEquals(QueryExecutionState.FAILED, failed.status().state());
            assertEquals("The Noctua server stopped before the query finished", failed.status().stateChangeReason());
            assertEquals(1, failed.status().athenaError().errorCategory());
            assertTrue(failed.status().athenaError().retryable());
            assertEquals(List.of("kept"), athena.getQueryResults(r -> r.queryExecutionId(finished)).resultSet().rows().get(1).data().stream()
                    .map(Datum::varCharValue).toList());
            assertEquals(List.of(running, finished), athena.listQueryExecutions(r -> r.workGroup("primary")).queryExecutionIds());
        }
    }
}
