package io.noctua.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.noctua.testing.ServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.model.InvalidRequestException;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Malformed requests and every kind of model constraint, sent as raw HTTP so that no SDK validates
 * first: each gets Athena's error shape, never a 500 or a stack trace.
 */
class ProtocolErrorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient http = HttpClient.newHttpClient();

    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private record Answer(int status, JsonNode body, HttpResponse<String> raw) {
        String type() {
            return body.path("__type").asText();
        }

        String message() {
            return body.path("Message").asText();
        }
    }

    private static Answer post(String target, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(running.server().endpoint().resolve("/"))
                .header("Content-Type", "application/x-amz-json-1.1")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (target != null) {
            request.header("X-Amz-Target", target);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), JSON.readTree(response.body()), response);
    }

    private static Answer athena(String operation, String body) throws Exception {
        return post("AmazonAthena." + operation, body);
    }

    private static void assertValidation(Answer answer, String message) {
        assertEquals(400, answer.status(), answer.body().toString());
        assertEquals("InvalidRequestException", answer.type());
        assertEquals(message, answer.message());
        assertEquals("INVALID_INPUT", answer.body().path("AthenaErrorCode").asText());
    }

    @Test
    void successCarriesTheRequestIdAndContentType() throws Exception {
        Answer answer = athena("ListEngineVersions", "{}");
        assertEquals(200, answer.status());
        assertEquals("application/x-amz-json-1.1", answer.raw().headers().firstValue("Content-Type").orElseThrow());
        assertNotNull(answer.raw().headers().firstValue("x-amzn-RequestId").orElse(null));
        assertTrue(answer.body().path("EngineVersions").isArray());
    }

    @Test
    void unknownMembersAreIgnoredAndNullMembersAreAbsent() throws Exception {
        assertEquals(200, athena("ListWorkGroups", "{\"Surprise\": [1, {\"a\": 2}], \"MaxResults\": null}").status());
    }

    @Test
    void malformedBodiesAreSerializationExceptions() throws Exception {
        for (String body : new String[] {"{\"MaxResults\": ", "", "not json", "\"text\"", "42"}) {
            Answer answer = athena("ListWorkGroups", body);
            assertEquals(400, answer.status(), body);
            assertEquals("SerializationException", answer.type(), body);
            assertTrue(!answer.message().isEmpty(), body);
        }
        Answer array = athena("ListWorkGroups", "[]");
        assertEquals("SerializationException", array.type());
        assertEquals("Start of list found where not expected", array.message());
    }

    @Test
    void wrongJsonTypesAreSerializationExceptionsInCoralsWords() throws Exception {
        Answer number = athena("ListWorkGroups", "{\"MaxResults\": \"5\"}");
        assertEquals("SerializationException", number.type());
        assertEquals("STRING_VALUE can not be converted to an Integer", number.message());

        Answer string = athena("GetSession", "{\"SessionId\": 7}");
        assertEquals("NUMBER_VALUE can not be converted to a String", string.message());

        Answer bool = athena("DeleteWorkGroup", "{\"WorkGroup\": \"x\", \"RecursiveDeleteOption\": \"yes\"}");
        assertEquals("STRING_VALUE can not be converted to a Boolean", bool.message());

        Answer nested = athena("StartSession", "{\"WorkGroup\": \"spark\", \"EngineConfiguration\": {\"MaxConcurrentDpus\": true}}");
        assertEquals("TRUE_VALUE can not be converted to an Integer", nested.message());

        Answer structure = athena("StartSession", "{\"WorkGroup\": \"spark\", \"EngineConfiguration\": [1]}");
        assertEquals("Start of list found where not expected", structure.message());

        Answer map = athena("StartSession", "{\"WorkGroup\": \"spark\", \"EngineConfiguration\": {\"SparkProperties\": {\"a\": 1}}}");
        assertEquals("NUMBER_VALUE can not be converted to a String", map.message());
    }

    @Test
    void unknownOrMissingTargetsAreUnknownOperations() throws Exception {
        for (String target : new String[] {"AmazonAthena.DoSomething", "AmazonAthena.getsession", "Athena.GetSession", null}) {
            Answer answer = post(target, "{}");
            assertEquals(400, answer.status(), String.valueOf(target));
            assertEquals("UnknownOperationException", answer.type(), String.valueOf(target));
        }
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(running.server().endpoint().resolve("/")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, get.statusCode());
        assertEquals("UnknownOperationException", JSON.readTree(get.body()).path("__type").asText());
    }

    @Test
    void anOversizedBodyIsRefusedWithoutReadingItAll() throws Exception {
        String huge = "{\"SessionId\": \"" + "x".repeat(2 * 1024 * 1024) + "\"}";
        // several times: the answer comes while the client is still sending, and must reach it every time
        for (int i = 0; i < 10; i++) {
            Answer answer = athena("GetSession", huge);
            assertEquals(413, answer.status());
            assertEquals("RequestEntityTooLargeException", answer.type());
            assertEquals("The request body is larger than 1048576 bytes", answer.message());
        }
    }

    @Test
    void requiredMembers() throws Exception {
        assertValidation(athena("GetSession", "{}"),
                "1 validation error detected: Value null at 'sessionId' failed to satisfy constraint: Member must not be null");
        assertValidation(athena("StartSession", "{\"WorkGroup\": \"spark\"}"),
                "1 validation error detected: Value null at 'engineConfiguration' failed to satisfy constraint: Member must not be null");
        assertValidation(athena("StartSession", "{}"),
                "2 validation errors detected: Value null at 'workGroup' failed to satisfy constraint: Member must not be null; "
                        + "Value null at 'engineConfiguration' failed to satisfy constraint: Member must not be null");
    }

    @Test
    void lengths() throws Exception {
        assertValidation(athena("GetSession", "{\"SessionId\": \"" + "a".repeat(257) + "\"}"),
                "1 validation error detected: Value at 'sessionId' failed to satisfy constraint: Member must have length less than or equal to 256");
        assertValidation(athena("GetCalculationExecution", "{\"CalculationExecutionId\": \"\"}"),
                "1 validation error detected: Value at 'calculationExecutionId' failed to satisfy constraint: Member must have length greater than or equal to 1");
        assertValidation(athena("StartCalculationExecution", "{\"SessionId\": \"s\", \"CodeBlock\": \"" + "x".repeat(68001) + "\"}"),
                "1 validation error detected: Value at 'codeBlock' failed to satisfy constraint: Member must have length less than or equal to 68000");
        assertValidation(athena("StartCalculationExecution", "{\"SessionId\": \"s\", \"CodeBlock\": \"x\", \"ClientRequestToken\": \"short\"}"),
                "1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must have length greater than or equal to 32");
        assertValidation(athena("StartSession", "{\"WorkGroup\": \"spark\", \"EngineConfiguration\": {}, \"Description\": \"\"}"),
                "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length greater than or equal to 1");
        assertValidation(athena("ListSessions", "{\"WorkGroup\": \"spark\", \"NextToken\": \"" + "t".repeat(2049) + "\"}"),
                "1 validation error detected: Value at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to 2048");
    }

    @Test
    void ranges() throws Exception {
        assertValidation(athena("StartSession", "{\"WorkGroup\": \"spark\", \"EngineConfiguration\": {\"MaxConcurrentDpus\": 1}}"),
                "1 validation error detected: Value at 'engineConfiguration.maxConcurrentDpus' failed to satisfy constraint: Member must have value greater than or equal to 2");
        assertValidation(athena("StartSession", "{\"WorkGroup\": \"spark\", \"EngineConfiguration\": {\"CoordinatorDpuSize\": 2, \"DefaultExecutorDpuSize\": 0}}"),
                "2 validation errors detected: Value at 'engineConfiguration.coordinatorDpuSize' failed to satisfy constraint: Member must have value less than or equal to 1; "
                        + "Value at 'engineConfiguration.defaultExecutorDpuSize' failed to satisfy constraint: Member must have value greater than or equal to 1");
        assertValidation(athena("StartSession", "{\"WorkGroup\": \"spark\", \"EngineConfiguration\": {}, \"SessionIdleTimeoutInMinutes\": 481}"),
                "1 validation error detected: Value at 'sessionIdleTimeoutInMinutes' failed to satisfy constraint: Member must have value less than or equal to 480");
        assertValidation(athena("ListCalculationExecutions", "{\"SessionId\": \"s\", \"MaxResults\": 101}"),
                "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100");
        assertValidation(athena("ListWorkGroups", "{\"MaxResults\": 0}"),
                "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1");
    }

    @Test
    void patternsAndEnums() throws Exception {
        assertValidation(athena("GetWorkGroup", "{\"WorkGroup\": \"bad name!\"}"),
                "1 validation error detected: Value 'bad name!' at 'workGroup' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9._-]{1,128}");
        assertValidation(athena("ListSessions", "{\"WorkGroup\": \"spark\", \"StateFilter\": \"SLEEPING\"}"),
                "1 validation error detected: Value 'SLEEPING' at 'stateFilter' failed to satisfy constraint: Member must satisfy enum value set: "
                        + "[CREATING, CREATED, IDLE, BUSY, TERMINATING, TERMINATED, DEGRADED, FAILED]");
        assertValidation(athena("CreateWorkGroup", "{\"Name\": \"x\", \"Configuration\": {\"ExecutionRole\": \"not-an-arn-but-long-enough\"}}"),
                "1 validation error detected: Value 'not-an-arn-but-long-enough' at 'configuration.executionRole' failed to satisfy constraint: "
                        + "Member must satisfy regular expression pattern: ^arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$");
    }

    @Test
    void theSdkSeesTheSameErrorsAsTypedExceptions() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> running.client().listSessions(r -> r.workGroup("spark").maxResults(0)));
        assertEquals("InvalidRequestException", e.awsErrorDetails().errorCode());
        assertEquals("INVALID_INPUT", e.athenaErrorCode());
        assertEquals(400, e.statusCode());
        assertEquals("1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
                e.awsErrorDetails().errorMessage());
    }

}
