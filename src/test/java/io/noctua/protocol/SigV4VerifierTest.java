package io.noctua.protocol;

import io.noctua.http.HttpRequest;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The verifier against the AWS SDK for Java v2's own SigV4 signer (an implementation written
 * elsewhere): what the SDK signs passes, and every kind of tampering fails with AWS's error.
 */
class SigV4VerifierTest {
    private static final Instant NOW = Instant.parse("2026-11-29T12:30:00Z");
    private static final SigV4Verifier VERIFIER = new SigV4Verifier(Map.of("AKIDNOCTUA", "the-secret", "AKIDOTHER", "other-secret"),
            Set.of("athena"), Clock.fixed(NOW, ZoneOffset.UTC));

    /** A request as the SDK signs it and as it reaches Noctua's routes. */
    private static HttpRequest signed(SdkHttpMethod method, String uri, Map<String, String> headers, String body, String accessKeyId,
                                      String secret, String service, Instant at) {
        SdkHttpRequest.Builder request = SdkHttpRequest.builder().method(method).uri(URI.create(uri));
        headers.forEach(request::putHeader);
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create(accessKeyId, secret))
                .request(request.build())
                .payload(body == null ? null : ContentStreamProvider.fromUtf8String(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                .putProperty(AwsV4HttpSigner.REGION_NAME, "eu-west-3")
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC)));
        Map<String, List<String>> received = new LinkedHashMap<>();
        signed.request().forEachHeader((name, values) -> received.put(name.toLowerCase(Locale.ROOT), new ArrayList<>(values)));
        received.putIfAbsent("host", List.of(signed.request().host() + ":" + signed.request().port()));
        URI sent = signed.request().getUri();
        return new HttpRequest(method.name(), sent.getRawPath().isEmpty() ? "/" : sent.getRawPath(), sent.getRawQuery(), received,
                body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8));
    }

    private static HttpRequest call(String body) {
        return signed(SdkHttpMethod.POST, "http://127.0.0.1:8420/", Map.of("Content-Type", "application/x-amz-json-1.1",
                "X-Amz-Target", "AmazonAthena.ListSessions"), body, "AKIDNOCTUA", "the-secret", "athena", NOW);
    }

    private static HttpRequest with(HttpRequest request, String header, String value) {
        Map<String, List<String>> headers = new LinkedHashMap<>(request.headers());
        headers.put(header, List.of(value));
        return new HttpRequest(request.method(), request.path(), request.rawQuery(), headers, request.body());
    }

    private static AccessException refused(HttpRequest request) {
        return assertThrows(AccessException.class, () -> VERIFIER.verify(request));
    }

    @Test
    void whatTheSdkSignsPasses() {
        assertEquals("AKIDNOCTUA", VERIFIER.verify(call("{\"WorkGroup\": \"spark\"}")));
        assertEquals("AKIDOTHER", VERIFIER.verify(signed(SdkHttpMethod.POST, "http://localhost:8420/", Map.of("X-Amz-Target", "x"), "{}",
                "AKIDOTHER", "other-secret", "athena", NOW.minus(Duration.ofMinutes(14)))));
        // a query with characters that encode differently in each client's hands, and an empty body
        VERIFIER.verify(signed(SdkHttpMethod.GET, "http://127.0.0.1:8420/console/output?uri=s3%3A%2F%2Fb%2Fa%20key%2Bplus%21%27%28%29%2A%7E&b=2&a=1",
                Map.of(), null, "AKIDNOCTUA", "the-secret", "athena", NOW));
        VERIFIER.verify(signed(SdkHttpMethod.GET, "http://127.0.0.1:8420/console/sigv4.js", Map.of("Accept", "  text/javascript,   */*  "),
                null, "AKIDNOCTUA", "the-secret", "athena", NOW.plus(Duration.ofMinutes(14))));
    }

    @Test
    void eachTamperingIsRefusedInAwsWords() {
        HttpRequest good = call("{\"WorkGroup\": \"spark\"}");
        String mismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key "
                + "and signing method. Consult the service documentation for details.";

        AccessException body = refused(new HttpRequest(good.method(), good.path(), good.rawQuery(), good.headers(),
                "{\"WorkGroup\": \"other\"}".getBytes(StandardCharsets.UTF_8)));
        assertEquals("InvalidSignatureException", body.errorType());
        // the SDK's signer also sends the body's hash as X-Amz-Content-Sha256; without it, the signature would not match
        assertEquals("The provided 'x-amz-content-sha256' header does not match what was computed.", body.getMessage());
        Map<String, List<String>> noHashHeader = new LinkedHashMap<>(good.headers());
        noHashHeader.remove("x-amz-content-sha256");
        assertEquals(mismatch, refused(new HttpRequest(good.method(), good.path(), null, noHashHeader,
                "{\"WorkGroup\": \"other\"}".getBytes(StandardCharsets.UTF_8))).getMessage());
        assertEquals(403, body.httpStatus());

        assertEquals(mismatch, refused(with(good, "x-amz-target", "AmazonAthena.TerminateSession")).getMessage());
        assertEquals(mismatch, refused(with(good, "host", "127.0.0.1:9999")).getMessage());
        assertEquals(mismatch, refused(new HttpRequest(good.method(), good.path(), "extra=1", good.headers(), good.body())).getMessage());

        AccessException secret = refused(signed(SdkHttpMethod.POST, "http://127.0.0.1:8420/", Map.of(), "{}", "AKIDNOCTUA", "wrong-secret",
                "athena", NOW));
        assertEquals(mismatch, secret.getMessage());

        AccessException unknown = refused(signed(SdkHttpMethod.POST, "http://127.0.0.1:8420/", Map.of(), "{}", "AKIDSTRANGER", "the-secret",
                "athena", NOW));
        assertEquals("UnrecognizedClientException", unknown.errorType());
        assertEquals("The security token included in the request is invalid.", unknown.getMessage());

        Map<String, List<String>> unsignedHeaders = new LinkedHashMap<>(good.headers());
        unsignedHeaders.remove("authorization");
        AccessException missing = refused(new HttpRequest("POST", "/", null, unsignedHeaders, good.body()));
        assertEquals("MissingAuthenticationTokenException", missing.errorType());
        assertEquals("Missing Authentication Token", missing.getMessage());

        AccessException expired = refused(signed(SdkHttpMethod.POST, "http://127.0.0.1:8420/", Map.of(), "{}", "AKIDNOCTUA", "the-secret",
                "athena", NOW.minus(Duration.ofMinutes(16))));
        assertEquals("InvalidSignatureException", expired.errorType());
        assertEquals("Signature expired: 20261129T121400Z is now earlier than 20261129T121500Z (20261129T123000Z - 15 min.)", expired.getMessage());

        AccessException early = refused(signed(SdkHttpMethod.POST, "http://127.0.0.1:8420/", Map.of(), "{}", "AKIDNOCTUA", "the-secret",
                "athena", NOW.plus(Duration.ofMinutes(16))));
        assertTrue(early.getMessage().startsWith("Signature not yet current: 20261129T124600Z is still later than"), early.getMessage());

        AccessException service = refused(signed(SdkHttpMethod.POST, "http://127.0.0.1:8420/", Map.of(), "{}", "AKIDNOCTUA", "the-secret",
                "s3", NOW));
        assertEquals("Credential should be scoped to correct service: 'athena'. ", service.getMessage());

        AccessException incomplete = refused(with(good, "authorization", "AWS4-HMAC-SHA256 Credential=AKIDNOCTUA/20261129/eu-west-3/athena/aws4_request"));
        assertEquals("IncompleteSignatureException", incomplete.errorType());
        assertTrue(incomplete.getMessage().startsWith("Authorization header requires 'Signature' parameter. "
                + "Authorization header requires 'SignedHeaders' parameter. "), incomplete.getMessage());

        AccessException algorithm = refused(with(good, "authorization", "AWS AKIDNOCTUA:c2lnbmF0dXJl"));
        assertEquals("IncompleteSignatureException", algorithm.errorType());
    }

    @Test
    void canonicalFormsFollowTheSpecification() {
        assertEquals("/", SigV4Verifier.canonicalPath("/"));
        assertEquals("/console/output", SigV4Verifier.canonicalPath("/console/output"));
        assertEquals("/a%2520b/c", SigV4Verifier.canonicalPath("/a%20b/./d/../c"));
        assertEquals("a=1&b=%20&b=%2B&c=", SigV4Verifier.canonicalQuery("c&b=%2B&a=1&b=%20"));
    }
}
