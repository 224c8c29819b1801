package io.noctua.protocol;

import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/** One operation of the model: its name, its input record type, and the function that serves it. */
public record Operation<I, O>(String name, Class<I> inputType, Function<I, O> handler) {
    public Operation {
        requireNonNull(name, "name is null");
        requireNonNull(inputType, "inputType is null");
        requireNonNull(handler, "handler is null");
    }

    Object invoke(Object input) {
        return handler.apply(inputType.cast(input));
    }
}
