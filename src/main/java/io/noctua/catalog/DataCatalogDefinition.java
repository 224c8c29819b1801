package io.noctua.catalog;

import java.time.Instant;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import static java.util.Objects.requireNonNull;

/** A data catalog made with CreateDataCatalog, as stored: its type (LAMBDA, GLUE or HIVE) and parameters. */
public record DataCatalogDefinition(String name, String type, String description, SortedMap<String, String> parameters, Instant creationTime) {
    public DataCatalogDefinition {
        requireNonNull(name, "name is null");
        requireNonNull(type, "type is null");
        parameters = new TreeMap<>(parameters == null ? Map.of() : parameters);
        requireNonNull(creationTime, "creationTime is null");
    }
}
