package io.noctua.query;

import io.noctua.api.QueryExecutionState;
import io.noctua.engine.QueryEngine;
import io.noctua.session.Page;
import io.noctua.testing.fakes.InMemoryResultStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The query runner's states, queue and stops, against a hand-written engine that runs only when a test lets it. */
class QueryRunnerTest {
    /** An engine whose statements wait for {@link #release}; it records what it was asked. */
    static final class GatedEngine implements QueryEngine {
        final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
        final Map<String, CountDownLatch> started = new ConcurrentHashMap<>();
        final List<String> cancelled = java.util.Collections.synchronizedList(new ArrayList<>());
        final List<String> ran = java.util.Collections.synchronizedList(new ArrayList<>());
        volatile CountDownLatch beforeFollowing = new CountDownLatch(0);

        CountDownLatch gate(String id) {
            return gates.computeIfAbsent(id, ignored -> new CountDownLatch(1));
        }

        CountDownLatch started(String id) {
            return started.computeIfAbsent(id, ignored -> new CountDownLatch(1));
        }

        void release(String id) {
            gate(id).countDown();
        }

        @Override
        public Outcome run(String id, String statement, Context context, RowSink sink, BooleanSupplier stopped) {
            started(id).countDown();
            await(beforeFollowing); // the moment between RUNNING and the engine following the query's work
            if (stopped.getAsBoolean()) {
                throw new QueryFailedException("The query was cancelled before it started", true, null);
            }
            ran.add(id);
            await(gate(id));
            if (cancelled.contains(id)) {
                throw new QueryFailedException("The query was cancelled", true, null);
            }
            sink.columns(List.of(new ResultColumn("x", "integer", 10, 0, false)));
            sink.row(new String[] {"1"});
            return new Outcome(0, 0, 1);
        }

        private static void await(CountDownLatch latch) {
            try {
                assertTrue(latch.await(10, TimeUnit.SECONDS), "a gate was not opened");
            }
            catch (InterruptedException e) { // the runner is closing
                Thread.currentThread().interrupt();
                throw new QueryFailedException("interrupted", false, e);
            }
        }

        @Override
        public boolean isEmptyLocation(String location) {
            return true;
        }

        @Override
        public void cancel(String id) {
            cancelled.add(id);
            release(id);
        }
    }

    /** The store as a map, with the same compare-and-set rule as the JDBC one. */
    static final class MapQueryStore implements QueryStore {
        final Map<String, QueryExecution> rows = new ConcurrentHashMap<>();

        @Override
        public boolean insert(QueryExecution query) {
            return rows.putIfAbsent(query.queryExecutionId(), query) == null;
        }

        @Override
        public Optional<QueryExecution> get(String id) {
            return Optional.ofNullable(rows.get(id));
        }

        @Override
        public Optional<QueryExecution> byToken(String token) {
            return Optional.empty();
        }

        @Override
        public Page<String> ids(String workGroup, Long cursor, int limit) {
            return new Page<>(List.copyOf(rows.keySet()), Optional.empty());
        }

        @Override
        public synchronized boolean update(String id, QueryExecutionState was, QueryExecution.Status next) {
            QueryExecution current = rows.get(id);
            if (current == null || current.state() != was) {
                return false;
            }
            assertTrue(was.canMoveTo(next.state()), was + " -> " + next.state());
            rows.put(id, current.with(next));
            return true;
        }

        @Override
        public List<QueryExecution> unfinished(String serverId) {
            return rows.values().stream().filter(q -> !q.state().isTerminal()).toList();
        }
    }

    private final GatedEngine engine = new GatedEngine();
    private final MapQueryStore store = new MapQueryStore();
    private final Path scratch = tempDirectory();
    private QueryRunner runner = new QueryRunner(store, "test-server", engine, new InMemoryResultStore(), scratch, Clock.systemUTC(), 1, QueryCatalogs.NONE);

    private static Path tempDirectory() {
        try {
            return Files.createTempDirectory("noctua-runner-");
        }
        catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterEach
    void close() {
        engine.gates.values().forEach(CountDownLatch::countDown);
        runner.close();
    }

    private QueryExecution submit(String id) {
        QueryExecution query = new QueryExecution(new QueryExecution.Submission(id, "SELECT 1", "SELECT 1", StatementKind.of("SELECT 1"),
                "primary", "AwsDataCatalog", "default", "s3://out/" + id + ".csv", null, "AUTO", "Athena engine version 3", null, null,
                Instant.now()), QueryExecution.Status.queued());
        store.insert(query);
        runner.submit(query);
        return query;
    }

    private QueryExecutionState state(String id) {
        return store.get(id).orElseThrow().state();
    }

    private void awaitState(String id, QueryExecutionState state) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (state(id) != state) {
            assertTrue(System.nanoTime() < deadline, id + " stayed " + state(id) + ", not " + state);
            Thread.onSpinWait();
        }
    }

    @Test
    void beyondTheLimitQueriesWaitQueuedInOrder() throws Exception {
        submit("a");
        submit("b");
        assertTrue(engine.started("a").await(10, TimeUnit.SECONDS));
        assertEquals(QueryExecutionState.RUNNING, state("a"));
        assertEquals(QueryExecutionState.QUEUED, state("b"));
        engine.release("a");
        awaitState("a", QueryExecutionState.SUCCEEDED);
        assertTrue(engine.started("b").await(10, TimeUnit.SECONDS));
        engine.release("b");
        awaitState("b", QueryExecutionState.SUCCEEDED);
        assertEquals(List.of(new QueryEngine.ResultColumn("x", "integer", 10, 0, false)), store.get("b").orElseThrow().status().columns());
    }

    @Test
    void aQueryStoppedWhileQueuedNeverRuns() throws Exception {
        submit("a");
        submit("b");
        assertTrue(engine.started("a").await(10, TimeUnit.SECONDS));
        runner.stop("b");
        assertEquals(QueryExecutionState.CANCELLED, state("b"));
        engine.release("a");
        awaitState("a", QueryExecutionState.SUCCEEDED);
        runner.close();
        runner = new QueryRunner(store, "test-server", engine, new InMemoryResultStore(), scratch, Clock.systemUTC(), 1, QueryCatalogs.NONE);
        assertFalse(engine.ran.contains("b"));
        assertFalse(engine.started.containsKey("b"));
    }

    @Test
    void aStopEndsARunningQueryAtOnceAndItsLateEndIsDropped() throws Exception {
        submit("a");
        assertTrue(engine.started("a").await(10, TimeUnit.SECONDS));
        runner.stop("a");
        assertEquals(QueryExecutionState.CANCELLED, state("a"));
        assertEquals(QueryRunner.CANCELLED_REASON, store.get("a").orElseThrow().status().stateChangeReason());
        assertTrue(engine.cancelled.contains("a"));
        runner.stop("a"); // a second stop changes nothing
        Thread.sleep(100);
        assertEquals(QueryExecutionState.CANCELLED, state("a"));
    }

    @Test
    void aStopBeforeTheEngineFollowsTheWorkIsNotLost() throws Exception {
        engine.beforeFollowing = new CountDownLatch(1);
        submit("a");
        assertTrue(engine.started("a").await(10, TimeUnit.SECONDS));
        engine.cancelled.clear();
        runner.stop("a"); // RUNNING, but the engine has not yet looked at the flag
        engine.beforeFollowing.countDown();
        Thread.sleep(200);
        assertFalse(engine.ran.contains("a"), "the stopped query's statement ran");
        assertEquals(QueryExecutionState.CANCELLED, state("a"));
    }

    @Test
    void whatIsUnfinishedAtTheEndIsRecordedFailed() throws Exception {
        submit("a");
        submit("b");
        assertTrue(engine.started("a").await(10, TimeUnit.SECONDS));
        runner.close();
        for (String id : List.of("a", "b")) {
            QueryExecution query = store.get(id).orElseThrow();
            assertTrue(query.state() == QueryExecutionState.FAILED || query.state() == QueryExecutionState.CANCELLED, id + " " + query.state());
        }
        assertEquals(QueryExecutionState.FAILED, state("b"));
        assertEquals("The Noctua server stopped before the query finished", store.get("b").orElseThrow().status().stateChangeReason());
        assertEquals(1, store.get("b").orElseThrow().status().error().category());
    }

    @Test
    void resultFilesLeftByAStoppedRunAreRemovedAtStart() throws Exception {
        Path left = Files.writeString(scratch.resolve("result-123.csv"), "\"partial\"\n");
        assertEquals(1, runner.removeLeftoverFiles());
        assertFalse(Files.exists(left));
        assertEquals(0, runner.removeLeftoverFiles());
    }
}
