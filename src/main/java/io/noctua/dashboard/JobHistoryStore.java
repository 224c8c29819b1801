package io.noctua.dashboard;

import io.noctua.engine.SparkJobHistory;

import java.time.Instant;
import java.util.Map;

/** Where calculations' Spark job histories are kept, for a session's dashboard after the session has ended. */
public interface JobHistoryStore {
    /**
     * Keeps a calculation's history, and of its session's histories only the latest {@code keepPerSession}:
     * older ones are deleted in the same transaction. A calculation recorded before is left as it was.
     */
    void insert(String sessionId, String calculationExecutionId, Instant recorded, SparkJobHistory jobs, int keepPerSession);

    /** The kept histories of a session's calculations, by calculation id. */
    Map<String, SparkJobHistory> ofSession(String sessionId);
}
