package io.noctua.results;

import java.net.URI;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/** An {@code s3://bucket/key} address. */
public record S3Location(String bucket, String key) {
    private static final Pattern S3_URI = Pattern.compile("(?i:s3a?)://([a-z0-9][a-z0-9.\\-]{1,61}[a-z0-9])(?:/(.*))?");

    public S3Location {
        requireNonNull(bucket, "bucket is null");
        requireNonNull(key, "key is null");
    }

    public static boolean isValid(String uri) {
        return uri != null && S3_URI.matcher(uri).matches();
    }

    public static S3Location parse(String uri) {
        Matcher matcher = S3_URI.matcher(requireNonNull(uri, "uri is null"));
        if (!matcher.matches()) {
            throw new IllegalArgumentException("not an s3:// location: " + uri);
        }
        return new S3Location(matcher.group(1), matcher.group(2) == null ? "" : matcher.group(2));
    }

    /** This location as a folder, with {@code name} appended. */
    public S3Location resolve(String name) {
        String prefix = key.isEmpty() || key.endsWith("/") ? key : key + "/";
        return new S3Location(bucket, prefix + name);
    }

    public URI toUri() {
        return URI.create(toString());
    }

    @Override
    public String toString() {
        return "s3://" + bucket + "/" + key;
    }
}
