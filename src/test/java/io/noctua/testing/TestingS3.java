package io.noctua.testing;

import io.noctua.config.NoctuaConfig;
import io.noctua.results.EmbeddedS3Server;
import io.noctua.results.S3Location;
import io.noctua.results.S3Settings;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * One S3-compatible server for the whole test run, separate from any server under test, which the
 * test servers and the shared Spark engine reach by configuration ({@code s3.embedded=false},
 * {@code s3.endpoint=...}, keys): the path a deployment against MinIO or AWS S3 takes, S3A included.
 * It is s3proxy with its in-memory backend, which keeps S3's semantics (the filesystem backend
 * behind the embedded store turns folders into keys).
 */
public final class TestingS3 {
    public static final String ACCESS_KEY_ID = "test-store-key";
    public static final String SECRET_ACCESS_KEY = "test-store-secret";

    private static TestingS3 shared;

    private final EmbeddedS3Server server;
    private final S3Client client;

    private TestingS3(EmbeddedS3Server server) {
        this.server = server;
        this.client = client(URI.create(server.endpoint()), ACCESS_KEY_ID, SECRET_ACCESS_KEY);
    }

    /** An S3 client for an s3proxy at {@code endpoint}, with the SDK's default checksums (s3proxy 4 checks them). */
    public static S3Client client(URI endpoint, String accessKeyId, String secretAccessKey) {
        return S3Client.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretAccessKey)))
                .build();
    }

    /** Started on first use with the bucket {@code noctua-results}; stopped when the JVM exits. */
    public static synchronized TestingS3 shared() {
        if (shared == null) {
            EmbeddedS3Server server = EmbeddedS3Server.startInMemory(EmbeddedS3Server.bundledJar(),
                    TestingServer.temporaryDirectory("noctua-test-s3-"), "127.0.0.1", 0, ACCESS_KEY_ID, SECRET_ACCESS_KEY);
            Runtime.getRuntime().addShutdownHook(new Thread(server::close));
            shared = new TestingS3(server);
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

    /** The store as a server configured with {@link #serverSettings()} reaches it. */
    public S3Settings settings() {
        return NoctuaConfig.from(serverSettings()).s3Settings();
    }

    public void createBucket(String bucket) {
        client.createBucket(r -> r.bucket(bucket));
    }

    public String read(String s3Uri) {
        return read(client, s3Uri);
    }

    /** Writes {@code content} as the object at {@code s3Uri}. */
    public void put(String s3Uri, String content) {
        S3Location location = S3Location.parse(s3Uri);
        client.putObject(r -> r.bucket(location.bucket()).key(location.key()), software.amazon.awssdk.core.sync.RequestBody.fromString(content));
    }

    /** Writes {@code content} as the object at {@code s3Uri}. */
    public void put(String s3Uri, byte[] content) {
        S3Location location = S3Location.parse(s3Uri);
        client.putObject(r -> r.bucket(location.bucket()).key(location.key()), software.amazon.awssdk.core.sync.RequestBody.fromBytes(content));
    }

    /** The text of the object at {@code s3Uri}, through {@code client}. */
    public static String read(S3Client client, String s3Uri) {
        S3Location location = S3Location.parse(s3Uri);
        return client.getObjectAsBytes(r -> r.bucket(location.bucket()).key(location.key())).asString(StandardCharsets.UTF_8);
    }

    /** The keys under {@code prefix}, folder markers left out. */
    public List<String> keys(String bucket, String prefix) {
        return client.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents().stream()
                .map(S3Object::key).filter(key -> !key.endsWith("/")).sorted().toList();
    }
}
