package io.noctua.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.noctua.api.AthenaException;
import io.noctua.api.InternalServerException;
import io.noctua.store.StoreException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * The AWS JSON 1.1 wire: {@code POST /} with {@code X-Amz-Target: AmazonAthena.<Operation>}. Decodes,
 * validates against the model, calls the operation, encodes the answer or the error. The only class
 * that knows about targets, {@code __type} and status codes.
 */
public final class AthenaHttpHandler implements HttpHandler {
    private static final Logger LOG = Logger.getLogger(AthenaHttpHandler.class.getName());
    private static final String TARGET_PREFIX = "AmazonAthena.";
    private static final String CONTENT_TYPE = "application/x-amz-json-1.1";
    /** How much of an oversized body is read and dropped before answering; past that the connection is closed. */
    private static final long MAX_DRAIN_BYTES = 64L * 1024 * 1024;

    private final Map<String, Operation<?, ?>> operations;
    private final ShapeValidator validator;
    private final int maxRequestBytes;

    public AthenaHttpHandler(List<Operation<?, ?>> operations, ShapeValidator validator, int maxRequestBytes) {
        Map<String, Operation<?, ?>> byName = new HashMap<>();
        for (Operation<?, ?> operation : operations) {
            if (!validator.knows(operation.name())) {
                throw new IllegalArgumentException("no model shape for operation " + operation.name());
            }
            byName.put(operation.name(), operation);
        }
        this.operations = Map.copyOf(byName);
        this.validator = requireNonNull(validator, "validator is null");
        this.maxRequestBytes = maxRequestBytes;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String requestId = UUID.randomUUID().toString();
        try (exchange) {
            byte[] response;
            int status = 200;
            try {
                response = JsonCodec.encode(dispatch(exchange));
            }
            catch (AthenaException e) {
                status = e.httpStatus();
                response = encodeError(e);
            }
            catch (StoreException e) { // the disk is full, the database unreachable...: the client learns why
                LOG.warning("request " + requestId + " failed in the store: " + e.getMessage());
                InternalServerException internal = new InternalServerException(e.getMessage() + " (request id " + requestId + ")");
                status = internal.httpStatus();
                response = encodeError(internal);
            }
            catch (Exception e) { // a bug, or a checked exception thrown undeclared from Spark: never a bare stack trace
                LOG.log(Level.SEVERE, "request " + requestId + " failed", e);
                InternalServerException internal = new InternalServerException("Internal error; request id " + requestId);
                status = internal.httpStatus();
                response = encodeError(internal);
            }
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            exchange.getResponseHeaders().set("x-amzn-RequestId", requestId);
            exchange.sendResponseHeaders(status, response.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(response);
            }
        }
    }

    private Object dispatch(HttpExchange exchange) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod()) || !"/".equals(exchange.getRequestURI().getPath())) {
            throw new UnknownOperationException("Noctua serves the Athena API as POST / with an X-Amz-Target header");
        }
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        if (target == null || !target.startsWith(TARGET_PREFIX)) {
            throw new UnknownOperationException("Missing or unknown X-Amz-Target: expected AmazonAthena.<Operation>");
        }
        Operation<?, ?> operation = operations.get(target.substring(TARGET_PREFIX.length()));
        if (operation == null) {
            throw new UnknownOperationException("Noctua does not serve the operation " + target);
        }
        JsonNode body = readBody(exchange);
        validator.validate(operation.name(), body);
        return operation.invoke(JsonCodec.decode(body, operation.inputType()));
    }

    private JsonNode readBody(HttpExchange exchange) throws IOException {
        byte[] bytes;
        try (InputStream in = exchange.getRequestBody()) {
            bytes = in.readNBytes(maxRequestBytes + 1);
            if (bytes.length > maxRequestBytes) {
                // read (a bounded amount of) the rest, so the client gets to read the answer instead of a reset connection
                drain(in);
                throw new RequestEntityTooLargeException("The request body is larger than " + maxRequestBytes + " bytes");
            }
        }
        JsonNode body;
        try {
            body = JsonCodec.mapper().readTree(bytes);
        }
        catch (JsonProcessingException e) {
            throw new SerializationException("The request body is not valid JSON: " + e.getOriginalMessage());
        }
        if (body == null || body.isMissingNode()) {
            throw new SerializationException("The request body is empty; an operation without arguments takes {}");
        }
        if (body.isArray()) {
            throw new SerializationException("Start of list found where not expected");
        }
        if (!body.isObject()) {
            throw new SerializationException("The request body must be a JSON object");
        }
        return body;
    }

    private static void drain(InputStream in) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long drained = 0;
        int read;
        while (drained < MAX_DRAIN_BYTES && (read = in.read(buffer)) >= 0) {
            drained += read;
        }
    }

    private static byte[] encodeError(AthenaException e) {
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
