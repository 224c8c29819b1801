package io.noctua.api;

/** The catalog could not answer: a database or table that does not exist, or a metastore error. */
public final class MetadataException extends AthenaException {
    public MetadataException(String message) {
        super(message);
    }
}
