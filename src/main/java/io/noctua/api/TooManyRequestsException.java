package io.noctua.api;

import java.util.Map;

public final class TooManyRequestsException extends AthenaException {
    public TooManyRequestsException(String message) {
        super(message);
    }

    @Override
    public Map<String, String> extraMembers() {
        return Map.of("Reason", "CONCURRENT_QUERY_LIMIT_EXCEEDED");
    }
}
