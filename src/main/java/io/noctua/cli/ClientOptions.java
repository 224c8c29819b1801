package io.noctua.cli;

import io.noctua.config.NoctuaConfig;
import io.noctua.results.S3Location;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The options every client command shares, and the clients they make: the Athena API of a Noctua
 * server and the S3 store its outputs are on. Requests are signed (SigV4) as any AWS client signs them.
 * Defaults fit {@code ./noctua serve} on this machine; environment variables override them.
 */
final class ClientOptions {
    static final String HELP = """
            Connection (defaults fit ./noctua serve on this machine):
              --endpoint URL       Noctua's endpoint (env NOCTUA_ENDPOINT; default http://127.0.0.1:8420)
              --s3-endpoint URL    the S3 store outputs are read from (env NOCTUA_S3_ENDPOINT; default
                                   http://127.0.0.1:8421, the embedded store); 'aws' for AWS S3
              --region REGION      region to sign for (env AWS_REGION; default us-east-1)
            Credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or are the embedded
            store's keys (noctua / noctua-secret-key).
            """;

    String endpoint;
    String s3Endpoint;
    String region;
    private final Map<String, String> environment;

    ClientOptions(Map<String, String> environment) {
        this.environment = environment;
        this.endpoint = environment.getOrDefault("NOCTUA_ENDPOINT", "http://127.0.0.1:8420");
        this.s3Endpoint = environment.getOrDefault("NOCTUA_S3_ENDPOINT", "http://127.0.0.1:8421");
        this.region = environment.getOrDefault("AWS_REGION", "us-east-1");
    }

    /**
     * Takes the connection options out of {@code args}; returns the other arguments, in order.
     * Throws {@link UsageException} for an option without its value.
     */
    List<String> parse(List<String> args) {
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            switch (arg) {
                case "--endpoint", "--s3-endpoint", "--region" -> {
                    if (i + 1 >= args.size()) {
                        throw new UsageException(arg + " needs a value");
                    }
                    String value = args.get(++i);
                    switch (arg) {
                        case "--endpoint" -> endpoint = value;
                        case "--s3-endpoint" -> s3Endpoint = value;
                        default -> region = value;
                    }
                }
                default -> rest.add(arg);
            }
        }
        return rest;
    }

    private AwsCredentialsProvider credentials() {
        String accessKeyId = environment.get("AWS_ACCESS_KEY_ID");
        String secretAccessKey = environment.get("AWS_SECRET_ACCESS_KEY");
        if (accessKeyId == null || secretAccessKey == null) {
            accessKeyId = NoctuaConfig.EMBEDDED_ACCESS_KEY_ID;
            secretAccessKey = NoctuaConfig.EMBEDDED_SECRET_ACCESS_KEY;
        }
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretAccessKey));
    }

    AthenaClient athena() {
        return AthenaClient.builder()
                .endpointOverride(uri("--endpoint", endpoint))
                .region(Region.of(region))
                .credentialsProvider(credentials())
                .httpClientBuilder(Apache5HttpClient.builder().connectionTimeout(Duration.ofSeconds(3)))
                .overrideConfiguration(c -> c.retryStrategy(RetryMode.STANDARD).apiCallTimeout(Duration.ofSeconds(30)))
                .build();
    }

    S3Client s3() {
        var builder = S3Client.builder()
                .region(Region.of(region))
                .credentialsProvider(credentials())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(Apache5HttpClient.builder().connectionTimeout(Duration.ofSeconds(3)));
        if (!s3Endpoint.equals("aws")) {
            builder.endpointOverride(uri("--s3-endpoint", s3Endpoint)).forcePathStyle(true);
        }
        return builder.build();
    }

    /** The text of an output, e.g. a StdOutS3Uri. */
    static String read(S3Client s3, String s3Uri) {
        S3Location location = S3Location.parse(s3Uri);
        return s3.getObjectAsBytes(r -> r.bucket(location.bucket()).key(location.key())).asString(StandardCharsets.UTF_8);
    }

    private static URI uri(String option, String value) {
        try {
            URI uri = URI.create(value);
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new IllegalArgumentException();
            }
            return uri;
        }
        catch (IllegalArgumentException e) {
            throw new UsageException(option + " must be a URL such as http://127.0.0.1:8420, not '" + value + "'");
        }
    }

    /** A mistake in the command line: printed with the usage, exit code 2. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
