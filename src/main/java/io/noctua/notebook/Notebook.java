package io.noctua.notebook;

import java.time.Instant;

import static java.util.Objects.requireNonNull;

/**
 * An Athena notebook as its NotebookMetadata describes it. Its .ipynb document (up to 10 MB) is kept beside it and read
 * only when it is wanted ({@link NotebookStore#payload}).
 */
public record Notebook(String notebookId, String workGroup, String name, String type, Instant creationTime, Instant lastModifiedTime) {
    public Notebook {
        requireNonNull(notebookId, "notebookId is null");
        requireNonNull(workGroup, "workGroup is null");
        requireNonNull(name, "name is null");
        requireNonNull(type, "type is null");
        requireNonNull(creationTime, "creationTime is null");
        requireNonNull(lastModifiedTime, "lastModifiedTime is null");
    }
}
