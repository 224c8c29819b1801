package io.noctua.api;

import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/** How many sessions or calculations ended in each state, counted as they end; read by /metrics. */
public final class StateCounts<S extends Enum<S>> {
    private final Class<S> states;
    private final Map<S, LongAdder> ended;

    public StateCounts(Class<S> states) {
        this.states = states;
        this.ended = new EnumMap<>(states);
        for (S state : states.getEnumConstants()) {
            ended.put(state, new LongAdder());
        }
    }

    public void ended(S state) {
        ended.get(state).increment();
    }

    /** Each state's count so far. */
    public Map<S, Long> snapshot() {
        Map<S, Long> counts = new EnumMap<>(states);
        ended.forEach((state, count) -> counts.put(state, count.sum()));
        return counts;
    }

    /** How many of {@code items} are in each state now. */
    public static <T, S extends Enum<S>> Map<S, Integer> byState(Class<S> states, Collection<T> items, Function<T, S> state) {
        Map<S, Integer> counts = new EnumMap<>(states);
        for (T item : items) {
            counts.merge(state.apply(item), 1, Integer::sum);
        }
        return counts;
    }
}
