package io.noctua.cluster;

import io.noctua.api.InternalServerException;
import io.noctua.http.HttpRequest;
import io.noctua.http.HttpResponse;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * Sends a call, as the client sent it, to the server that must answer it (the one that runs its
 * session), signed as an internal call, and gives back that server's answer as it is: its status,
 * its body, its request id. The owner does all the checking; this server adds nothing to the answer.
 */
public final class Forwarder {
    /** Where a server takes internal calls: the same AWS JSON protocol as {@code /}, signed by {@link InternalCalls}. */
    public static final String PATH = "/internal/aws-json";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(60);

    private final String serverId;
    private final InternalCalls calls;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).version(HttpClient.Version.HTTP_1_1).build();

    public Forwarder(String serverId, InternalCalls calls) {
        this.serverId = requireNonNull(serverId, "serverId is null");
        this.calls = requireNonNull(calls, "calls is null");
    }

    /**
     * The answer of {@code server} to {@code request}; an InternalServerException, which SDKs retry,
     * naming the server when it cannot be reached.
     */
    public HttpResponse forward(HttpRequest request, ServerStore.Server server, String why) {
        String target = request.header("X-Amz-Target").orElse("");
        java.net.http.HttpRequest.Builder call = java.net.http.HttpRequest.newBuilder(URI.create(server.endpoint() + PATH))
                .timeout(ANSWER_TIMEOUT)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(request.body()))
                .header("Content-Type", request.header("Content-Type").orElse("application/x-amz-json-1.1"))
                .header("X-Amz-Target", target);
        calls.sign(serverId, target, request.body()).forEach(call::header);
        try {
            java.net.http.HttpResponse<byte[]> answer = client.send(call.build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
            Map<String, String> headers = new LinkedHashMap<>();
            answer.headers().firstValue("Content-Type").ifPresent(value -> headers.put("Content-Type", value));
            answer.headers().firstValue("x-amzn-RequestId").ifPresent(value -> headers.put("x-amzn-RequestId", value));
            return new HttpResponse(answer.statusCode(), headers, answer.body());
        }
        catch (IOException e) {
            throw new InternalServerException(why + " runs on the Noctua server " + server.serverId() + " at " + server.endpoint()
                    + ", which did not answer (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + "); if it stopped, its work is ended when its lease expires. "
                    + "Try again.");
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InternalServerException("interrupted while waiting for the Noctua server " + server.serverId());
        }
    }
}
