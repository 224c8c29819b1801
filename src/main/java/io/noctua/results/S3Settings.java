package io.noctua.results;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * How to reach the S3 store that holds calculation outputs and {@code s3://} data: the embedded
 * store, an S3-compatible server (MinIO, s3proxy, ...) or AWS S3 itself. Without keys, the AWS
 * default credential chain (environment, profile, instance role...) is used.
 *
 * @param endpoint the store's URL; empty for AWS S3 in {@code region}
 * @param pathStyle whether buckets go in the path ({@code http://host/bucket/key}) rather than the host name
 * @param accessKeyId with {@code secretAccessKey}, fixed credentials; both null for the default chain
 */
public record S3Settings(Optional<URI> endpoint, String region, boolean pathStyle, String accessKeyId, String secretAccessKey) {
    public S3Settings {
        requireNonNull(endpoint, "endpoint is null");
        requireNonNull(region, "region is null");
        if ((accessKeyId == null) != (secretAccessKey == null)) {
            throw new IllegalArgumentException("give both the access key and the secret key, or neither");
        }
    }

    public boolean hasStaticCredentials() {
        return accessKeyId != null;
    }

    /** For messages: where results go, e.g. {@code S3 at http://127.0.0.1:8421} or {@code AWS S3 (eu-west-1)}. */
    public String describe() {
        return endpoint.map(uri -> "S3 at " + uri).orElse("AWS S3 (" + region + ")");
    }

    /**
     * The Hadoop S3A settings, as Spark properties, that make {@code s3://}, {@code s3a://} and
     * {@code s3n://} paths in calculations use this store. Retries are bounded so that a store that
     * cannot be reached fails a calculation within seconds instead of minutes.
     */
    public Map<String, String> sparkProperties() {
        Map<String, String> properties = new LinkedHashMap<>();
        for (String scheme : new String[] {"s3", "s3a", "s3n"}) {
            properties.put("spark.hadoop.fs." + scheme + ".impl", "org.apache.hadoop.fs.s3a.S3AFileSystem");
        }
        endpoint.ifPresent(uri -> {
            properties.put("spark.hadoop.fs.s3a.endpoint", uri.toString());
            properties.put("spark.hadoop.fs.s3a.connection.ssl.enabled", Boolean.toString("https".equalsIgnoreCase(uri.getScheme())));
        });
        properties.put("spark.hadoop.fs.s3a.endpoint.region", region);
        properties.put("spark.hadoop.fs.s3a.path.style.access", Boolean.toString(pathStyle));
        if (hasStaticCredentials()) {
            properties.put("spark.hadoop.fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
            properties.put("spark.hadoop.fs.s3a.access.key", accessKeyId);
            properties.put("spark.hadoop.fs.s3a.secret.key", secretAccessKey);
        }
        else {
            properties.put("spark.hadoop.fs.s3a.aws.credentials.provider", "com.amazonaws.auth.DefaultAWSCredentialsProviderChain");
        }
        // measured against a closed port: S3A's defaults retry for more than 10 minutes; these fail in seconds
        properties.put("spark.hadoop.fs.s3a.connection.establish.timeout", "5000");
        properties.put("spark.hadoop.fs.s3a.connection.timeout", "30000");
        properties.put("spark.hadoop.fs.s3a.attempts.maximum", "0");
        properties.put("spark.hadoop.fs.s3a.retry.limit", "2");
        properties.put("spark.hadoop.fs.s3a.retry.interval", "500ms");
        return properties;
    }
}
