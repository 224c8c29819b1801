package io.noctua.engine;

import java.time.Instant;

/** Where Spark's log records go, each with the Spark job group of the thread that logged it ({@link SparkEngine#tapLogs}). */
public interface SparkLogListener {
    /** Whether records are wanted now; false skips the work of finding a record's job group. */
    boolean listening();

    /** A record of a thread working for {@code jobGroup}; {@code level} is log4j's name (WARN, ERROR, ...). */
    void record(String jobGroup, Instant at, String level, String logger, String message, Throwable thrown);
}
