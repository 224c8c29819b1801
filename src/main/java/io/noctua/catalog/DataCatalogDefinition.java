package io.noctua.catalog;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import static java.util.Objects.requireNonNull;

/** A data catalog made with CreateDataCatalog, as stored: its type (LAMBDA, GLUE or HIVE) and parameters, in key order. */
public record DataCatalogDefinition(String name, String type, String description, Map<String, String> parameters, Instant creationTime) {
    public DataCatalogDefinition {
        requireNonNull(name, "name is null");
        requireNonNull(type, "type is null");
        parameters = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(parameters == null ? Map.of() : parameters));
        requireNonNull(creationTime, "creationTime is null");
    }
}
