package io.noctua.engine.python;

import org.apache.spark.sql.SparkSession;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How a Python worker finds its Athena session's SparkSession through Py4J: the worker calls
 * {@code PySparkSessions.get(sessionId)} on the gateway. Static because Py4J reaches Java through
 * static methods when the gateway has no entry point object.
 */
public final class PySparkSessions {
    private static final Map<String, SparkSession> SESSIONS = new ConcurrentHashMap<>();

    private PySparkSessions() {
    }

    public static void register(String sessionId, SparkSession session) {
        SESSIONS.put(sessionId, session);
    }

    public static void unregister(String sessionId) {
        SESSIONS.remove(sessionId);
    }

    /** Called from Python. */
    public static SparkSession get(String sessionId) {
        SparkSession session = SESSIONS.get(sessionId);
        if (session == null) {
            throw new IllegalArgumentException("no live Athena session " + sessionId);
        }
        return session;
    }
}
