package io.noctua.api;

import java.util.Map;

/**
 * An error a served model defines (Athena's, or Glue's in {@code api.glue}), named by its wire name. The protocol layer encodes every
 * subclass the same way: {@code __type} is {@link #errorType()}, {@code Message} the message, plus
 * {@link #extraMembers()}.
 */
public abstract class AthenaException extends RuntimeException {
    protected AthenaException(String message) {
        super(message, null, false, false);
    }

    /** The error's name on the wire ({@code __type}). */
    public String errorType() {
        return getClass().getSimpleName();
    }

    public int httpStatus() {
        return 400;
    }

    /** Modeled members other than {@code Message}. */
    public Map<String, String> extraMembers() {
        return Map.of();
    }
}
