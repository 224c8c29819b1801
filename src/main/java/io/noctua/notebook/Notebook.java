package io.noctua.notebook;

import java.time.Instant;

import static java.util.Objects.requireNonNull;

/** An Athena notebook as stored: its .ipynb document (nbformat 4 JSON) and what Athena's NotebookMetadata says of it. */
public record Notebook(String notebookId, String workGroup, String name, String type, String payload, Instant creationTime,
                       Instant lastModifiedTime) {
    public Notebook {
        requireNonNull(notebookId, "notebookId is null");
        requireNonNull(workGroup, "workGroup is null");
        requireNonNull(name, "name is null");
        requireNonNull(type, "type is null");
        requireNonNull(payload, "payload is null");
        requireNonNull(creationTime, "creationTime is null");
        requireNonNull(lastModifiedTime, "lastModifiedTime is null");
    }
}
