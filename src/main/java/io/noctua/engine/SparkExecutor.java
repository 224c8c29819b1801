package io.noctua.engine;

import java.time.Instant;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * One executor Spark knows of; {@code driver} is the driver itself; {@code lost} when Spark removed it for a
 * failure (its worker died, its JVM exited) rather than at the driver's request.
 */
public record SparkExecutor(String executorId, boolean driver, Instant added, Optional<Instant> removed, int cores, boolean lost) {
    public SparkExecutor {
        requireNonNull(executorId, "executorId is null");
        requireNonNull(added, "added is null");
        requireNonNull(removed, "removed is null");
    }
}
