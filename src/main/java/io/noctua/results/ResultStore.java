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

    /** A short description for the banner and for error messages. */
    String describe();

    @Override
    default void close() {
    }
}
