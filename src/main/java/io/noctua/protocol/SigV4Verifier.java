package io.noctua.protocol;

import io.noctua.http.HttpRequest;
import io.noctua.http.Percent;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * Checks AWS Signature Version 4 in the {@code Authorization} header, as AWS services do: the key must
 * be one of the configured ones, the signature must cover the method, path, query, the signed
 * headers (Host among them) and the body, and the request's date must be within 15 minutes of now.
 * Any region is accepted; the service in the credential scope must be one this server answers for.
 * Errors are AWS's own, with AWS's wording where it is known.
 */
public final class SigV4Verifier {
    private static final String ALGORITHM = "AWS4-HMAC-SHA256";
    private static final Duration ALLOWED_SKEW = Duration.ofMinutes(15);
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final HexFormat HEX = HexFormat.of();

    private final Map<String, String> secrets;
    private final Set<String> services;
    private final Clock clock;

    /** @param secrets secret access keys by access key id */
    public SigV4Verifier(Map<String, String> secrets, Set<String> services, Clock clock) {
        this.secrets = Map.copyOf(secrets);
        this.services = Set.copyOf(services);
        this.clock = requireNonNull(clock, "clock is null");
        if (this.secrets.isEmpty()) {
            throw new IllegalArgumentException("no keys to check signatures with");
        }
    }

    /** The access key id of a correctly signed request; throws {@link AccessException} otherwise. */
    public String verify(HttpRequest request) {
        String authorization = request.header("Authorization").orElse(null);
        if (authorization == null || authorization.isBlank()) {
            throw AccessException.missingAuthenticationToken();
        }
        Authorization parsed = Authorization.parse(authorization.strip());
        String[] scope = parsed.credential().split("/", -1);
        if (scope.length != 5) {
            throw AccessException.incompleteSignature("Credential should be ACCESS_KEY_ID/YYYYMMDD/REGION/SERVICE/aws4_request, not '"
                    + parsed.credential() + "'.");
        }
        String accessKeyId = scope[0];
        String secret = secrets.get(accessKeyId);
        if (secret == null) {
            throw AccessException.unrecognizedClient();
        }
        if (!scope[4].equals("aws4_request")) {
            throw AccessException.incompleteSignature("Credential should be scoped with a valid terminator: 'aws4_request', not '" + scope[4] + "'.");
        }
        if (!services.contains(scope[3])) {
            throw AccessException.invalidSignature("Credential should be scoped to correct service: '" + String.join("' or '", services.stream().sorted().toList()) + "'. ");
        }
        if (!parsed.signedHeaders().contains("host")) {
            throw AccessException.invalidSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
        }
        String amzDate = request.header("X-Amz-Date").orElse(null);
        Instant signedAt = signedAt(request, amzDate);
        checkClock(signedAt);
        String isoDate = AMZ_DATE.format(signedAt);
        if (!scope[1].equals(isoDate.substring(0, 8))) {
            throw AccessException.invalidSignature("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '"
                    + scope[1] + "' != '" + isoDate.substring(0, 8) + "', from '" + isoDate + "'.");
        }
        String bodyHash = HEX.formatHex(sha256(request.body()));
        Optional<String> claimed = request.header("X-Amz-Content-Sha256");
        if (claimed.isPresent() && !claimed.get().equalsIgnoreCase(bodyHash)) {
            throw AccessException.invalidSignature("The provided 'x-amz-content-sha256' header does not match what was computed.");
        }
        String canonical = canonicalRequest(request, parsed.signedHeaders(), bodyHash);
        String stringToSign = ALGORITHM + "\n" + (amzDate != null ? amzDate.strip() : isoDate) + "\n"
                + String.join("/", scope[1], scope[2], scope[3], scope[4]) + "\n"
                + HEX.formatHex(sha256(canonical.getBytes(StandardCharsets.UTF_8)));
        byte[] key = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), scope[1]);
        key = hmac(key, scope[2]);
        key = hmac(key, scope[3]);
        key = hmac(key, "aws4_request");
        byte[] expected = hmac(key, stringToSign);
        byte[] given;
        try {
            given = HEX.parseHex(parsed.signature().toLowerCase(Locale.ROOT));
        }
        catch (IllegalArgumentException e) {
            given = new byte[0];
        }
        if (!MessageDigest.isEqual(expected, given)) {
            throw AccessException.invalidSignature("The request signature we calculated does not match the signature you provided. "
                    + "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
        }
        return accessKeyId;
    }

    private static Instant signedAt(HttpRequest request, String amzDate) {
        if (amzDate != null) {
            try {
                return ZonedDateTime.parse(amzDate.strip(), AMZ_DATE).toInstant();
            }
            catch (DateTimeParseException e) {
                throw AccessException.incompleteSignature("X-Amz-Date must be in the ISO8601 Long Format (yyyyMMdd'T'HHmmss'Z'), not '"
                        + amzDate + "'.");
            }
        }
        Optional<String> date = request.header("Date");
        if (date.isEmpty()) {
            throw AccessException.incompleteSignature("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
        }
        try {
            return ZonedDateTime.parse(date.get().strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        }
        catch (DateTimeParseException e) {
            throw AccessException.incompleteSignature("The Date header is not an HTTP date: '" + date.get() + "'.");
        }
    }

    private void checkClock(Instant signedAt) {
        Instant now = clock.instant();
        if (signedAt.isBefore(now.minus(ALLOWED_SKEW))) {
            throw AccessException.invalidSignature("Signature expired: " + AMZ_DATE.format(signedAt) + " is now earlier than "
                    + AMZ_DATE.format(now.minus(ALLOWED_SKEW)) + " (" + AMZ_DATE.format(now) + " - 15 min.)");
        }
        if (signedAt.isAfter(now.plus(ALLOWED_SKEW))) {
            throw AccessException.invalidSignature("Signature not yet current: " + AMZ_DATE.format(signedAt) + " is still later than "
                    + AMZ_DATE.format(now.plus(ALLOWED_SKEW)) + " (" + AMZ_DATE.format(now) + " + 15 min.)");
        }
    }

    /** The canonical request of SigV4 for services other than S3 (their paths are encoded twice). */
    static String canonicalRequest(HttpRequest request, List<String> signedHeaders, String bodyHash) {
        StringBuilder canonical = new StringBuilder(256);
        canonical.append(request.method()).append('\n');
        canonical.append(canonicalPath(request.path())).append('\n');
        canonical.append(canonicalQuery(request.rawQuery())).append('\n');
        for (String name : signedHeaders) {
            canonical.append(name).append(':').append(canonicalHeaderValue(request.headers().getOrDefault(name, List.of()))).append('\n');
        }
        canonical.append('\n');
        canonical.append(String.join(";", signedHeaders)).append('\n');
        canonical.append(bodyHash);
        return canonical.toString();
    }

    /** Dot segments removed, each segment encoded as RFC 3986 says, then once more. */
    static String canonicalPath(String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) {
            return "/";
        }
        Deque<String> segments = new ArrayDeque<>();
        String[] parts = rawPath.split("/", -1);
        for (int i = 1; i < parts.length; i++) {
            String segment = Percent.decode(parts[i]);
            if (segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                segments.pollLast();
                continue;
            }
            segments.addLast(segment);
        }
        StringBuilder path = new StringBuilder();
        for (String segment : segments) {
            path.append('/').append(Percent.encode(Percent.encode(segment, false), false));
        }
        if (path.isEmpty() || rawPath.endsWith("/") && path.charAt(path.length() - 1) != '/') {
            path.append('/');
        }
        return path.toString();
    }

    /** Parameters decoded, encoded again strictly, sorted by name and then value. */
    static String canonicalQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        List<String[]> pairs = new ArrayList<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = equals < 0 ? pair : pair.substring(0, equals);
            String value = equals < 0 ? "" : pair.substring(equals + 1);
            pairs.add(new String[] {Percent.encode(Percent.decode(name), false), Percent.encode(Percent.decode(value), false)});
        }
        pairs.sort(Comparator.<String[], String>comparing(p -> p[0]).thenComparing(p -> p[1]));
        StringBuilder query = new StringBuilder();
        for (String[] pair : pairs) {
            if (!query.isEmpty()) {
                query.append('&');
            }
            query.append(pair[0]).append('=').append(pair[1]);
        }
        return query.toString();
    }

    private static String canonicalHeaderValue(List<String> values) {
        List<String> trimmed = new ArrayList<>(values.size());
        for (String value : values) {
            trimmed.add(value.strip().replaceAll(" +", " "));
        }
        return String.join(",", trimmed);
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        }
        catch (GeneralSecurityException e) {
            throw new IllegalStateException("this Java has no SHA-256", e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        }
        catch (GeneralSecurityException e) {
            throw new IllegalStateException("this Java has no HmacSHA256", e);
        }
    }

    /** {@code AWS4-HMAC-SHA256 Credential=..., SignedHeaders=a;b, Signature=...} */
    private record Authorization(String credential, List<String> signedHeaders, String signature) {
        static Authorization parse(String header) {
            int space = header.indexOf(' ');
            String algorithm = space < 0 ? header : header.substring(0, space);
            if (!algorithm.equals(ALGORITHM)) {
                throw AccessException.incompleteSignature("Unsupported AWS 'algorithm': '" + algorithm + "' (Noctua checks " + ALGORITHM + ")");
            }
            Map<String, String> parts = new LinkedHashMap<>();
            for (String part : header.substring(space + 1).split(",")) {
                int equals = part.indexOf('=');
                if (equals > 0) {
                    parts.put(part.substring(0, equals).strip(), part.substring(equals + 1).strip());
                }
            }
            StringBuilder missing = new StringBuilder();
            for (String required : List.of("Credential", "Signature", "SignedHeaders")) {
                if (parts.getOrDefault(required, "").isEmpty()) {
                    missing.append("Authorization header requires '").append(required).append("' parameter. ");
                }
            }
            if (!missing.isEmpty()) {
                throw AccessException.incompleteSignature(missing + "Authorization=" + header);
            }
            List<String> signed = new ArrayList<>();
            for (String name : parts.get("SignedHeaders").split(";")) {
                if (!name.isBlank()) {
                    signed.add(name.strip().toLowerCase(Locale.ROOT));
                }
            }
            return new Authorization(parts.get("Credential"), signed, parts.get("Signature"));
        }
    }
}
