package io.noctua.api;

import java.util.Map;

import static java.util.Objects.requireNonNull;

public final class ResourceNotFoundException extends AthenaException {
    private final String resourceName;

    public ResourceNotFoundException(String message, String resourceName) {
        super(requireNonNull(message, "message is null"));
        this.resourceName = requireNonNull(resourceName, "resourceName is null");
    }

    @Override
    public Map<String, String> extraMembers() {
        return Map.of("ResourceName", resourceName);
    }
}
