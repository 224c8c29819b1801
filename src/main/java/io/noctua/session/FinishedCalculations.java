package io.noctua.session;

import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The most recently finished calculations, so that clients polling a calculation that just ended
 * (they all do, once more) are answered from memory. Finished records never change, so a copy here
 * cannot go stale; the oldest leave first once {@code capacity} is reached.
 */
final class FinishedCalculations {
    private final int capacity;
    private final Map<String, CalculationExecution> byId = new ConcurrentHashMap<>();
    private final Queue<String> order = new ConcurrentLinkedQueue<>();

    FinishedCalculations(int capacity) {
        this.capacity = capacity;
    }

    void add(CalculationExecution calculation) {
        if (byId.put(calculation.calculationExecutionId(), calculation) == null) {
            order.add(calculation.calculationExecutionId());
        }
        while (byId.size() > capacity) {
            String oldest = order.poll();
            if (oldest == null) {
                break;
            }
            byId.remove(oldest);
        }
    }

    CalculationExecution get(String calculationExecutionId) {
        return byId.get(calculationExecutionId);
    }

    void clear() {
        byId.clear();
        order.clear();
    }
}
