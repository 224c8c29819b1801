package io.noctua.query;

import java.time.Instant;

import static java.util.Objects.requireNonNull;

/** A saved query of a workgroup (Athena's "named query"). */
public record NamedQuery(String namedQueryId, String name, String description, String database, String queryString, String workGroup,
                         String clientRequestToken, String requestFingerprint, Instant creationTime) {
    public NamedQuery {
        requireNonNull(namedQueryId, "namedQueryId is null");
        requireNonNull(name, "name is null");
        requireNonNull(database, "database is null");
        requireNonNull(queryString, "queryString is null");
        requireNonNull(workGroup, "workGroup is null");
        requireNonNull(creationTime, "creationTime is null");
    }
}
