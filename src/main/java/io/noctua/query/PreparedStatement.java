package io.noctua.query;

import java.time.Instant;

import static java.util.Objects.requireNonNull;

/** A statement of a workgroup, with {@code ?} markers, that {@code EXECUTE name USING ...} runs. */
public record PreparedStatement(String workGroup, String statementName, String queryStatement, String description,
                                Instant lastModifiedTime) {
    public PreparedStatement {
        requireNonNull(workGroup, "workGroup is null");
        requireNonNull(statementName, "statementName is null");
        requireNonNull(queryStatement, "queryStatement is null");
        requireNonNull(lastModifiedTime, "lastModifiedTime is null");
    }
}
