package io.noctua.results;

import io.noctua.concurrent.Threads;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static java.util.Objects.requireNonNull;

/**
 * Writes calculation outputs through the S3 API with the AWS SDK. Calls are bounded in time, so an
 * unreachable store fails the calculation with a reason within seconds rather than hanging it.
 */
public final class S3ResultStore implements ResultStore {
    private final S3Settings settings;
    private final S3Client client;
    private final ExecutorService writers = Executors.newCachedThreadPool(Threads.daemons("s3-write"));

    public S3ResultStore(S3Settings settings) {
        this.settings = requireNonNull(settings, "settings is null");
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(settings.region()))
                .forcePathStyle(settings.pathStyle())
                .credentialsProvider(credentials(settings))
                // older S3-compatible servers (s3proxy before 3.2, some MinIO versions) refuse the CRC32
                // trailers the SDK adds by default; the embedded s3proxy 4 takes them, other stores may not
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(Apache5HttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(3))
                        .socketTimeout(Duration.ofSeconds(30))
                        .maxConnections(64))
                .overrideConfiguration(c -> c
                        .apiCallAttemptTimeout(Duration.ofSeconds(30))
                        .apiCallTimeout(Duration.ofSeconds(60)));
        settings.endpoint().ifPresent(builder::endpointOverride);
        this.client = builder.build();
    }

    private static AwsCredentialsProvider credentials(S3Settings settings) {
        if (settings.hasStaticCredentials()) {
            return StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey()));
        }
        return DefaultCredentialsProvider.builder().build();
    }

    /** The first object is written on the calling thread, the others alongside it; each write is one PutObject. */
    @Override
    public void write(List<ResultObject> objects) {
        List<CompletableFuture<Void>> others = objects.stream().skip(1)
                .map(object -> CompletableFuture.runAsync(() -> put(object), writers))
                .toList();
        RuntimeException failure = null;
        if (!objects.isEmpty()) {
            try {
                put(objects.get(0));
            }
            catch (RuntimeException e) {
                failure = e;
            }
        }
        for (CompletableFuture<Void> other : others) {
            try {
                other.join();
            }
            catch (CompletionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException cause ? cause : e;
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void put(ResultObject object) {
        S3Location location = object.location();
        try {
            client.putObject(request -> request.bucket(location.bucket()).key(location.key()).contentType(object.contentType()),
                    RequestBody.fromBytes(object.content()));
        }
        catch (SdkException e) {
            throw new ResultStoreException("cannot write " + location + ": " + message(e), e);
        }
    }

    @Override
    public byte[] read(S3Location location) {
        try {
            return client.getObjectAsBytes(request -> request.bucket(location.bucket()).key(location.key())).asByteArray();
        }
        catch (SdkException e) {
            throw new ResultStoreException("cannot read " + location + ": " + message(e), e);
        }
    }

    /** One PutObject from the file (the SDK streams it), then the file is removed. */
    @Override
    public void writeFile(S3Location location, Path file, String contentType) {
        try {
            client.putObject(request -> request.bucket(location.bucket()).key(location.key()).contentType(contentType),
                    RequestBody.fromFile(file));
        }
        catch (SdkException e) {
            throw new ResultStoreException("cannot write " + location + ": " + message(e), e);
        }
        try {
            Files.deleteIfExists(file);
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + file + " once stored as " + location, e);
        }
    }

    @Override
    public InputStream open(S3Location location, long offset) {
        try {
            return client.getObject(request -> request.bucket(location.bucket()).key(location.key())
                    .range(offset > 0 ? "bytes=" + offset + "-" : null));
        }
        catch (S3Exception e) {
            if (e.statusCode() == 416) { // the range starts at the end: nothing more to read
                return InputStream.nullInputStream();
            }
            throw new ResultStoreException("cannot read " + location + ": " + message(e), e);
        }
        catch (SdkException e) {
            throw new ResultStoreException("cannot read " + location + ": " + message(e), e);
        }
    }

    /** Throws, with the store's answer, unless {@code bucket} exists and these credentials may use it. */
    public void checkBucket(String bucket) {
        try {
            client.headBucket(request -> request.bucket(bucket));
        }
        catch (NoSuchBucketException e) {
            throw new ResultStoreException("the bucket " + bucket + " does not exist", e);
        }
        catch (SdkException e) {
            throw new ResultStoreException("cannot reach the bucket " + bucket + ": " + message(e), e);
        }
    }

    /** The SDK's message, with the S3 error code first where there is one. */
    private static String message(SdkException e) {
        if (e instanceof S3Exception s3 && s3.awsErrorDetails() != null && s3.awsErrorDetails().errorCode() != null) {
            return s3.awsErrorDetails().errorCode() + " (HTTP " + s3.statusCode() + "): " + s3.getMessage();
        }
        return e.getMessage();
    }

    @Override
    public String describe() {
        return settings.describe();
    }

    @Override
    public void close() {
        writers.shutdown();
        client.close();
    }

    public static final class ResultStoreException extends RuntimeException {
        ResultStoreException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
