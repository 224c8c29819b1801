package io.noctua.session;

import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** One page of a newest-first listing; {@code nextCursor} is where the next page starts, if any. */
public record Page<T>(List<T> items, Optional<Long> nextCursor) {
    public Page {
        items = List.copyOf(items);
        requireNonNull(nextCursor, "nextCursor is null");
    }
}
