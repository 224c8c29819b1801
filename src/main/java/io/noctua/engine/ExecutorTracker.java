package io.noctua.engine;

import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import scala.jdk.javaapi.CollectionConverters;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Spark's executors as they come and go, for ListExecutors. */
final class ExecutorTracker extends SparkListener {
    private final Map<String, SparkExecutor> executors = new ConcurrentHashMap<>();

    ExecutorTracker(SparkContext context) {
        Instant started = Instant.ofEpochMilli(context.startTime());
        executors.put("driver", new SparkExecutor("driver", true, started, Optional.empty(), context.defaultParallelism(), false));
        if (!context.isLocal()) {
            // executors that registered before this listener was added (local mode has none: the driver runs tasks)
            for (String id : CollectionConverters.asJava(context.getExecutorIds())) {
                executors.putIfAbsent(id, new SparkExecutor(id, false, started, Optional.empty(), 0, false));
            }
        }
    }

    @Override
    public void onExecutorAdded(SparkListenerExecutorAdded event) {
        if (!"driver".equals(event.executorId())) {
            executors.put(event.executorId(), new SparkExecutor(event.executorId(), false, Instant.ofEpochMilli(event.time()),
                    Optional.empty(), event.executorInfo().totalCores(), false));
        }
    }

    @Override
    public void onExecutorRemoved(SparkListenerExecutorRemoved event) {
        executors.computeIfPresent(event.executorId(), (id, executor) -> new SparkExecutor(id, executor.driver(),
                executor.added(), Optional.of(Instant.ofEpochMilli(event.time())), executor.cores(), lost(event.reason())));
    }

    /**
     * Whether Spark removed an executor because it was lost (its worker died, its JVM exited, it stopped
     * answering) rather than because the driver asked it to go (dynamic allocation, decommissioning, the end).
     */
    static boolean lost(String reason) {
        if (reason == null) {
            return false;
        }
        String lower = reason.toLowerCase(java.util.Locale.ROOT);
        return !(lower.contains("killed by driver") || lower.contains("decommission") || lower.contains("requested by driver")
                || lower.contains("stopped by driver") || lower.contains("application finished"));
    }

    List<SparkExecutor> all() {
        return new ArrayList<>(executors.values());
    }
}
