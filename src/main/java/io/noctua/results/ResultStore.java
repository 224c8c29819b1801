package io.noctua.results;

/** Where calculation outputs (stdout, stderr, result files) are written, addressed by {@code s3://} URI. */
public interface ResultStore {
    void write(S3Location location, byte[] content, String contentType);

    /** Reads back what was written; used by tests and tools. */
    byte[] read(S3Location location);

    /** A short description for the banner and for error messages. */
    String describe();
}
