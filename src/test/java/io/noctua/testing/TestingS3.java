package io.noctua.testing;

import io.noctua.results.EmbeddedS3Server;
import io.noctua.results.S3Settings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * One S3-compatible server for the whole test run, separate from any server under test, which the
 * test servers and the shared Spark engine are pointed at by configuration ({@code s3.embedded=false},
 * {@code s3.endpoint=...}): the path a deployment against MinIO or AWS S3 takes.
 */
public final class TestingS3 {
    public static final String ACCESS_KEY_ID = "test-store-key";
    public static final String SECRET_ACCESS_KEY = "test-store-secret";

    private static TestingS3 shared;

    private final EmbeddedS3Server server;
    private final Path root;

    private TestingS3(EmbeddedS3Server server, Path root) {
        this.server = server;
        this.root = root;
    }

    /** Started on first use with the bucket {@code noctua-results}; stopped when the JVM exits. */
    public static synchronized TestingS3 shared() {
        if (shared == null) {
            Path root = TestingServer.temporaryDirectory("noctua-test-s3-");
            EmbeddedS3Server server = EmbeddedS3Server.start(EmbeddedS3Server.bundledJar(), root.resolve("data"), root.resolve("work"),
                    "127.0.0.1", 0, ACCESS_KEY_ID, SECRET_ACCESS_KEY);
            Runtime.getRuntime().addShutdownHook(new Thread(server::close));
            shared = new TestingS3(server, root.resolve("data"));
            shared.createBucket("noctua-results");
        }
        return shared;
    }

    public URI endpoint() {
        return URI.create(server.endpoint());
    }

    /** The settings that point a Noctua server at this store. */
    public Map<String, String> serverSettings() {
        return Map.of(
                "s3.embedded", "false",
                "s3.endpoint", server.endpoint(),
                "s3.access-key-id", ACCESS_KEY_ID,
                "s3.secret-access-key", SECRET_ACCESS_KEY);
    }

    public S3Settings settings() {
        return new S3Settings(Optional.of(endpoint()), "us-east-1", true, ACCESS_KEY_ID, SECRET_ACCESS_KEY);
    }

    /** A bucket is a directory to the store's filesystem backend. */
    public void createBucket(String bucket) {
        try {
            Files.createDirectories(root.resolve(bucket));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
