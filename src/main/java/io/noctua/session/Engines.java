package io.noctua.session;

import io.noctua.engine.CalculationEngine;
import io.noctua.engine.SparkExecutor;

import java.util.List;
import java.util.Map;

/** What sessions need of the engine: one {@link CalculationEngine} each, and the executors ListExecutors shows. */
public interface Engines {
    /**
     * A session's engine, with its Spark properties applied and its share of the executors weighted by its
     * {@code maxConcurrentDpus}; may take a while (Spark may still be starting).
     */
    CalculationEngine open(String sessionId, Map<String, String> sparkProperties, int maxConcurrentDpus);

    /**
     * Refuses, before a session is made, Spark properties that its engine could not honour for it
     * alone: throws {@link IllegalArgumentException} whose message names the property.
     */
    void checkSparkProperties(Map<String, String> sparkProperties);

    List<SparkExecutor> executors();
}
