package io.noctua.store;

import io.noctua.dashboard.JobHistoryStore;
import io.noctua.engine.SparkJobHistory;
import io.noctua.session.SessionStore;
import io.noctua.testing.TestingDatabases;
import io.noctua.workgroup.WorkGroupStore;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Calculations' Spark job histories kept as written, the latest few of a session only, and deleted with their workgroup. */
class JdbcJobHistoryStoreTest {
    private static SparkJobHistory jobs(int jobId, String reason) {
        return new SparkJobHistory(
                List.of(new SparkJobHistory.Job(jobId, "calc", "Athena calculation calc of session s", reason == null ? "SUCCEEDED" : "FAILED",
                        reason, 1_000, reason == null ? 1_100L : null, List.of(0, 1), 1, 4, 3, 1, 0)),
                List.of(new SparkJobHistory.Stage(1, "showString at <unknown>", "COMPLETE", 2, 4, 3, 1, 0, 10, 11, 12, 13, 14, 15, 16, 17,
                        1_010L, null, "a \"quoted\" reason\nover lines")), 3, 7);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void aHistoryReadsBackAsWrittenAndASessionKeepsItsLatestOnly(String dialect) {
        try (Database database = TestingDatabases.open(dialect)) {
            JobHistoryStore store = new JdbcJobHistoryStore(database);
            Instant now = Instant.now();
            store.insert("s1", "c1", now, jobs(1, null), 2);
            store.insert("s1", "c2", now, jobs(2, "Job 2 cancelled"), 2);
            store.insert("s2", "other", now, jobs(9, null), 2);
            assertEquals(Map.of("c1", jobs(1, null), "c2", jobs(2, "Job 2 cancelled")), store.ofSession("s1"));
            store.insert("s1", "c2", now, jobs(5, null), 2);
            assertEquals(jobs(2, "Job 2 cancelled"), store.ofSession("s1").get("c2"), "a calculation is kept once, as first written");
            store.insert("s1", "c3", now, jobs(3, null), 2);
            assertEquals(List.of("c3", "c2"), List.copyOf(store.ofSession("s1").keySet()), "newest first, the oldest gone past the bound");
            assertEquals(List.of("other"), List.copyOf(store.ofSession("s2").keySet()), "another session's are its own");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void deletingAWorkGroupWithItsSessionsDeletesTheirHistories(String dialect) {
        try (Database database = TestingDatabases.open(dialect)) {
            JobHistoryStore store = new JdbcJobHistoryStore(database);
            JdbcWorkGroupStore workGroups = new JdbcWorkGroupStore(database);
            workGroups.insert(new io.noctua.workgroup.WorkGroup("spark", io.noctua.api.WorkGroupState.ENABLED, null,
                    com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode(), Instant.now()));
            assertTrue(new JdbcSessionStore(database, "a").write(SessionStore.Change.newSession(TestSessions.creating("s1", null))));
            store.insert("s1", "c1", Instant.now(), jobs(1, null), 10);
            assertEquals(WorkGroupStore.Deletion.DELETED, workGroups.delete("spark", true));
            assertEquals(Map.of(), store.ofSession("s1"));
        }
    }
}
