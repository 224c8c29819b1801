package io.noctua.protocol;

import io.noctua.config.NoctuaConfig;
import io.noctua.testing.Athena;
import io.noctua.testing.Commands;
import io.noctua.testing.RawHttp;
import io.noctua.testing.RawHttp.Answer;
import io.noctua.notebook.NotebookUrls;
import io.noctua.testing.ServerExtension;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.AthenaException;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server with {@code auth.*} keys: the AWS SDK for Java v2, boto3 and the AWS CLI work unchanged
 * with those keys, and every other call gets AWS's own error.
 */
class AuthTest {
    private static final String KEY = "AKIDNOCTUATEST";
    private static final String SECRET = "noctua-auth-secret";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);

    @RegisterExtension
    static final ServerExtension running = new ServerExtension(Map.of("auth.access-key-id", KEY, "auth.secret-access-key", SECRET,
            "auth.extra-keys", "AKIDSECOND:second-secret"));

    private static URI endpoint() {
        return running.server().endpoint();
    }

    private static AthenaException refused(String accessKeyId, String secret) {
        try (AthenaClient athena = TestingServer.clientFor(endpoint(), accessKeyId, secret)) {
            return assertThrows(AthenaException.class, () -> athena.listWorkGroups(r -> { }));
        }
    }

    @Test
    void theSdkWithAConfiguredKeyWorks() {
        AthenaClient athena = running.client();
        String sessionId = Athena.startIdleSession(athena);
        running.server().runCompleted(sessionId, "%%sql\nSELECT 1 AS signed");
        athena.terminateSession(r -> r.sessionId(sessionId));
        try (AthenaClient second = TestingServer.clientFor(endpoint(), "AKIDSECOND", "second-secret")) {
            assertTrue(second.listWorkGroups(r -> { }).workGroups().size() >= 2);
        }
    }

    @Test
    void everyOtherCallGetsAwsOwnError() {
        AthenaException unknown = refused("AKIDSTRANGER", SECRET);
        assertEquals("UnrecognizedClientException", unknown.awsErrorDetails().errorCode());
        assertEquals("The security token included in the request is invalid.", unknown.awsErrorDetails().errorMessage());
        assertEquals(403, unknown.statusCode());

        AthenaException wrongSecret = refused(KEY, "not-the-secret");
        assertEquals("InvalidSignatureException", wrongSecret.awsErrorDetails().errorCode());
        assertTrue(wrongSecret.awsErrorDetails().errorMessage().startsWith("The request signature we calculated does not match"));

        String body = "{}";
        Answer unsigned = RawHttp.exchange(endpoint(), RawHttp.athenaRequest(endpoint(), "ListWorkGroups", body,
                "Content-Type: application/x-amz-json-1.1\r\n"));
        assertEquals(403, unsigned.status());
        assertEquals("MissingAuthenticationTokenException", unsigned.type());
        assertEquals("Missing Authentication Token", unsigned.message());

        Answer expired = RawHttp.exchange(endpoint(), signedRaw("ListWorkGroups", body, Instant.now().minus(Duration.ofMinutes(20))));
        assertEquals(403, expired.status());
        assertEquals("InvalidSignatureException", expired.type());
        assertTrue(expired.message().startsWith("Signature expired: "), expired.message());

        Answer fresh = RawHttp.exchange(endpoint(), signedRaw("ListWorkGroups", body, Instant.now()));
        assertEquals(200, fresh.status(), fresh.body());

        // a signed body changed on the way
        String tampered = signedRaw("ListWorkGroups", "{\"MaxResults\": 5}", Instant.now()).replace("{\"MaxResults\": 5}", "{\"MaxResults\": 6}");
        assertEquals("InvalidSignatureException", RawHttp.exchange(endpoint(), tampered).type());
    }

    @Test
    void consoleOutputsNeedASignatureButThePageDoesNot() {
        String host = "Host: " + endpoint().getHost() + ":" + endpoint().getPort() + "\r\nConnection: close\r\n\r\n";
        assertEquals(200, RawHttp.exchange(endpoint(), "GET /console HTTP/1.1\r\n" + host).status());
        assertEquals(200, RawHttp.exchange(endpoint(), "GET /console/sigv4.js HTTP/1.1\r\n" + host).status());
        Answer output = RawHttp.exchange(endpoint(), "GET /console/output?uri=s3%3A%2F%2Fnoctua-results%2Fx HTTP/1.1\r\n" + host);
        assertEquals(403, output.status());
        assertEquals("MissingAuthenticationTokenException", output.type());
    }

    /** A presigned notebook URL's token stands in for a signature, for the calls of its session and notebook only. */
    @Test
    void aNotebookUrlsTokenOpensItsNotebookWithoutASignature() {
        AthenaClient athena = running.client();
        String notebookId = athena.createNotebook(r -> r.workGroup(Athena.SPARK_WORK_GROUP).name("signed-server-notebook")).notebookId();
        String sessionId = Athena.startNotebookSession(athena, notebookId);
        String token = athena.createPresignedNotebookUrl(r -> r.sessionId(sessionId)).authToken();
        String withToken = "Content-Type: application/x-amz-json-1.1\r\n" + NotebookUrls.TOKEN_HEADER + ": " + token + "\r\n";
        Answer exported = RawHttp.exchange(endpoint(), RawHttp.athenaRequest(endpoint(), "ExportNotebook",
                "{\"NotebookId\": \"" + notebookId + "\"}", withToken));
        assertEquals(200, exported.status(), exported.body());
        Answer other = RawHttp.exchange(endpoint(), RawHttp.athenaRequest(endpoint(), "ListWorkGroups", "{}", withToken));
        assertEquals(403, other.status());
        assertEquals("AccessDeniedException", other.type());
        athena.terminateSession(r -> r.sessionId(sessionId));
        athena.deleteNotebook(r -> r.notebookId(notebookId));
    }

    @Test
    void boto3WithTheKeysWorksAndOtherKeysAreRefused() {
        String missing = Commands.missing(List.of("python3", "-c", "import boto3"));
        org.junit.jupiter.api.Assumptions.assumeTrue(missing == null, missing);
        String script = """
                import sys, time, boto3, botocore.exceptions
                def client(key, secret):
                    return boto3.client("athena", endpoint_url=sys.argv[1], region_name="eu-central-1",
                                        aws_access_key_id=key, aws_secret_access_key=secret)
                athena = client(sys.argv[2], sys.argv[3])
                sid = athena.start_session(WorkGroup="spark", EngineConfiguration={"MaxConcurrentDpus": 2})["SessionId"]
                while athena.get_session_status(SessionId=sid)["Status"]["State"] != "IDLE":
                    time.sleep(0.05)
                athena.terminate_session(SessionId=sid)
                for key, secret, expected in ((sys.argv[2], "wrong", "InvalidSignatureException"),
                                              ("AKIDNOBODY", sys.argv[3], "UnrecognizedClientException")):
                    try:
                        client(key, secret).list_sessions(WorkGroup="spark")
                        sys.exit("a call signed with the wrong keys went through")
                    except botocore.exceptions.ClientError as e:
                        assert e.response["Error"]["Code"] == expected, e.response
                        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 403, e.response
                print("boto3 ok")
                """;
        Commands.Result result = Commands.run(List.of("python3", "-c", script, endpoint().toString(), KEY, SECRET), Map.of(), COMMAND_TIMEOUT);
        assertEquals(0, result.exitCode(), result.toString());
        assertEquals("boto3 ok\n", result.stdout());
    }

    @Test
    void theAwsCliWithTheKeysWorksAndOtherKeysAreRefused() {
        String missing = Commands.missing(List.of("aws", "--version"));
        org.junit.jupiter.api.Assumptions.assumeTrue(missing == null, missing);
        List<String> command = List.of("aws", "athena", "list-work-groups", "--endpoint-url", endpoint().toString(), "--region", "us-west-2",
                "--output", "json");
        Commands.Result ok = Commands.run(command, Map.of("AWS_ACCESS_KEY_ID", KEY, "AWS_SECRET_ACCESS_KEY", SECRET), COMMAND_TIMEOUT);
        assertEquals(0, ok.exitCode(), ok.toString());
        assertTrue(ok.stdout().contains("\"spark\""), ok.stdout());
        Commands.Result wrong = Commands.run(command, Map.of("AWS_ACCESS_KEY_ID", "test", "AWS_SECRET_ACCESS_KEY", "test"), COMMAND_TIMEOUT);
        assertNotEquals(0, wrong.exitCode());
        assertTrue(wrong.stderr().contains("UnrecognizedClientException") && wrong.stderr().contains("The security token included in the request is invalid"),
                wrong.stderr());
    }

    @Test
    void aServerOnTheNetworkNeedsKeysOrAnExplicitYes() {
        NoctuaConfig.ConfigException refused = assertThrows(NoctuaConfig.ConfigException.class,
                () -> TestingServer.start(TestingServer.temporaryDirectory("noctua-open-"), Map.of("http.host", "0.0.0.0")));
        assertTrue(refused.getMessage().startsWith("http.host 0.0.0.0 is reachable from other machines, and anyone who reaches Noctua "
                + "can run code on this one: set auth.access-key-id and auth.secret-access-key"), refused.getMessage());
        assertTrue(refused.getMessage().endsWith("--conf http.allow-unauthenticated-network=true"), refused.getMessage());
        // with keys it starts, and answers signed calls (its loopback address is one of its names)
        try (TestingServer server = TestingServer.start(TestingServer.temporaryDirectory("noctua-open-"),
                Map.of("http.host", "0.0.0.0", "auth.access-key-id", KEY, "auth.secret-access-key", SECRET));
             AthenaClient athena = TestingServer.clientFor(URI.create("http://127.0.0.1:" + server.endpoint().getPort()), KEY, SECRET)) {
            assertTrue(athena.listWorkGroups(r -> { }).workGroups().size() >= 2);
        }
    }

    /** A raw request signed by the SDK's signer as of {@code at}. */
    private static String signedRaw(String operation, String body, Instant at) {
        SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.POST).uri(endpoint().resolve("/"))
                .putHeader("Content-Type", "application/x-amz-json-1.1")
                .putHeader("X-Amz-Target", "AmazonAthena." + operation)
                .build();
        SdkHttpRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create(KEY, SECRET))
                .request(request)
                .payload(ContentStreamProvider.fromUtf8String(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "athena")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC))).request();
        StringBuilder headers = new StringBuilder();
        // athenaRequest writes X-Amz-Target itself
        signed.forEachHeader((name, values) -> values.stream().filter(value -> !name.equalsIgnoreCase("X-Amz-Target"))
                .forEach(value -> headers.append(name).append(": ").append(value).append("\r\n")));
        return RawHttp.athenaRequest(endpoint(), operation, body, headers.toString());
    }
}
