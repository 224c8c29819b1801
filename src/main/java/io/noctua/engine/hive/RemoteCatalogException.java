package io.noctua.engine.hive;

/**
 * What a query or a metadata call on a HIVE data catalog of a remote metastore could not do, in words for the user:
 * the metastore could not be reached or refused, a table's storage cannot be read by Spark, or a change was asked of a
 * catalog Noctua only reads. Always the caller's to act on, never Noctua's own failure.
 */
public final class RemoteCatalogException extends RuntimeException {
    public RemoteCatalogException(String message) {
        super(message);
    }

    public RemoteCatalogException(String message, Throwable cause) {
        super(message, cause);
    }
}
