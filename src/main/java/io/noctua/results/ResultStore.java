package io.noctua.results;

import java.util.List;

/** Where calculation outputs (stdout, stderr, result files) are written, addressed by {@code s3://} URI. */
public interface ResultStore extends AutoCloseable {
    /** One object to write. */
    record ResultObject(S3Location location, byte[] content, String contentType) {
    }

    /** Writes all of {@code objects}, in parallel where the store allows; returns once all are stored or throws. */
    void write(List<ResultObject> objects);

    /** Reads back what was written; the web console shows outputs through it. */
    byte[] read(S3Location location);

    /**
     * Stores the file {@code file} (a result too large to hold in memory) as the object at
     * {@code location}, and removes the file; the object appears whole or not at all.
     */
    void writeFile(S3Location location, java.nio.file.Path file, String contentType);

    /** Reads an object from byte {@code offset} on, streaming: the SQL API pages query results through it. */
    java.io.InputStream open(S3Location location, long offset);

    /** A short description for the banner and for error messages. */
    String describe();

    @Override
    default void close() {
    }
}
