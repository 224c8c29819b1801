package io.noctua.api;

import java.util.Map;

import static java.util.Objects.requireNonNull;

/** Athena's answer to a request it will not carry out; {@code AthenaErrorCode} says which kind. */
public final class InvalidRequestException extends AthenaException {
    /** The code Athena gives for invalid parameters and for requests the current state forbids. */
    public static final String INVALID_INPUT = "INVALID_INPUT";

    private final String athenaErrorCode;

    public InvalidRequestException(String message) {
        this(message, INVALID_INPUT);
    }

    public InvalidRequestException(String message, String athenaErrorCode) {
        super(requireNonNull(message, "message is null"));
        this.athenaErrorCode = requireNonNull(athenaErrorCode, "athenaErrorCode is null");
    }

    public String athenaErrorCode() {
        return athenaErrorCode;
    }

    @Override
    public Map<String, String> extraMembers() {
        return Map.of("AthenaErrorCode", athenaErrorCode);
    }
}
