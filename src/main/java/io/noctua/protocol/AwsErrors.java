package io.noctua.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.noctua.api.AthenaException;
import io.noctua.http.HttpResponse;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

/**
 * The one place that writes AWS JSON 1.1 answers: {@code __type} and {@code Message} plus the error's
 * modeled members, the content type and the request id.
 */
public final class AwsErrors {
    public static final String CONTENT_TYPE = "application/x-amz-json-1.1";

    private AwsErrors() {
    }

    public static String newRequestId() {
        return UUID.randomUUID().toString();
    }

    public static HttpResponse response(AthenaException error, String requestId) {
        return json(error.httpStatus(), body(error), requestId);
    }

    /** A success: the operation's output, encoded. */
    public static HttpResponse json(int status, byte[] body, String requestId) {
        return new HttpResponse(status, Map.of("Content-Type", CONTENT_TYPE, "x-amzn-RequestId", requestId), body);
    }

    /** The HTTP server's own refusals (framing, sizes) in the same shape, typed by their status. */
    public static HttpResponse forStatus(int status, String reason) {
        ObjectNode body = JsonCodec.mapper().createObjectNode();
        body.put("__type", typeForStatus(status));
        body.put("Message", reason);
        return json(status, body.toString().getBytes(StandardCharsets.UTF_8), newRequestId());
    }

    private static String typeForStatus(int status) {
        return switch (status) {
            case 400 -> "SerializationException";
            case 408 -> "RequestTimeoutException";
            case 413 -> "RequestEntityTooLargeException";
            case 414 -> "RequestUriTooLongException";
            case 431 -> "RequestHeaderFieldsTooLargeException";
            default -> status < 500 ? "BadRequestException" : "InternalServerException";
        };
    }

    static byte[] body(AthenaException e) {
        ObjectNode body = JsonCodec.mapper().createObjectNode();
        body.put("__type", e.errorType());
        body.put("Message", e.getMessage());
        e.extraMembers().forEach(body::put);
        if (e.extraMembers().containsKey("AthenaErrorCode")) {
            body.put("ErrorCode", e.extraMembers().get("AthenaErrorCode")); // real Athena sends both
        }
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }
}
