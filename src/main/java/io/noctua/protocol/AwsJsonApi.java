package io.noctua.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.noctua.api.AthenaException;
import io.noctua.api.InternalServerException;
import io.noctua.http.HttpRequest;
import io.noctua.http.HttpResponse;
import io.noctua.http.Route;
import io.noctua.store.StoreException;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * The AWS JSON 1.1 wire: {@code POST /} with {@code X-Amz-Target: <service prefix>.<Operation>}, for
 * every service Noctua serves on its endpoint (Athena's {@code AmazonAthena.}, Glue's
 * {@code AWSGlue.}). Decodes, validates against the service's model, calls the operation, encodes the
 * answer or the error. The only class that knows about targets.
 */
public final class AwsJsonApi implements Route {
    private static final Logger LOG = Logger.getLogger(AwsJsonApi.class.getName());

    /**
     * One service on the endpoint.
     *
     * @param targetPrefix what its targets start with, e.g. {@code AmazonAthena.}
     * @param label what its operations' names are prefixed with for the call listener ({@code ""} for Athena's)
     * @param router which calls another server answers (see {@link Router})
     */
    public record Service(String targetPrefix, String label, List<Operation<?, ?>> operations, ShapeValidator validator, Router router) {
        public Service {
            requireNonNull(targetPrefix, "targetPrefix is null");
            requireNonNull(label, "label is null");
            operations = List.copyOf(operations);
            requireNonNull(validator, "validator is null");
            requireNonNull(router, "router is null");
        }

        /** A service whose every call this server answers. */
        public Service(String targetPrefix, String label, List<Operation<?, ?>> operations, ShapeValidator validator) {
            this(targetPrefix, label, operations, validator, Router.LOCAL);
        }
    }

    private record Bound(Service service, Operation<?, ?> operation) {
        String name() {
            return service.label() + operation.name();
        }
    }

    /** Told of every answered call: its operation (null if none was found), HTTP status and time taken. */
    @FunctionalInterface
    public interface CallListener {
        void called(String operation, int status, long nanos);
    }

    private final Map<String, Bound> operations;
    private final List<Service> services;
    private final String expectedTargets;
    private final CallListener listener;

    public AwsJsonApi(List<Service> services, CallListener listener) {
        Map<String, Bound> byTarget = new HashMap<>();
        for (Service service : services) {
            for (Operation<?, ?> operation : service.operations()) {
                if (!service.validator().knows(operation.name())) {
                    throw new IllegalArgumentException("no model shape for operation " + service.targetPrefix() + operation.name());
                }
                byTarget.put(service.targetPrefix() + operation.name(), new Bound(service, operation));
            }
        }
        this.operations = Map.copyOf(byTarget);
        this.services = List.copyOf(services);
        this.expectedTargets = String.join(" or ", services.stream().map(s -> s.targetPrefix() + "<Operation>").toList());
        this.listener = requireNonNull(listener, "listener is null");
    }

    @Override
    public HttpResponse handle(HttpRequest request) {
        long begin = System.nanoTime();
        String requestId = AwsErrors.newRequestId();
        Bound operation = null;
        HttpResponse response;
        try {
            operation = operation(request);
            response = answer(operation, request, requestId);
        }
        catch (AthenaException e) {
            response = AwsErrors.response(e, requestId);
        }
        catch (StoreException e) { // the disk is full, the database unreachable...: the client learns why
            LOG.warning("request " + requestId + " failed in the store: " + e.getMessage());
            response = AwsErrors.response(new InternalServerException(e.getMessage() + " (request id " + requestId + ")"), requestId);
        }
        catch (Exception e) { // a bug, or a checked exception thrown undeclared from Spark: never a bare stack trace
            LOG.log(Level.SEVERE, "request " + requestId + " failed", e);
            response = AwsErrors.response(new InternalServerException("Internal error; request id " + requestId), requestId);
        }
        listener.called(operation == null ? null : operation.name(), response.status(), System.nanoTime() - begin);
        return response;
    }

    /** Why {@code target} is refused: an operation of the model that Noctua does not serve yet, or not one of the model's. */
    private String notServed(String target) {
        String name = target.substring(target.indexOf('.') + 1);
        for (Service service : services) {
            if (target.startsWith(service.targetPrefix()) && service.validator().inModel(name)) {
                return "Noctua does not serve the operation " + service.label() + name
                        + " yet (docs/operations.md and the README say what it serves)";
            }
        }
        return "Noctua does not serve the operation " + target;
    }

    private Bound operation(HttpRequest request) {
        if (!"POST".equals(request.method()) || !"/".equals(request.path())) {
            throw new UnknownOperationException("Noctua serves the Athena API as POST / with an X-Amz-Target header");
        }
        String target = request.header("X-Amz-Target").orElse(null);
        if (target == null || target.indexOf('.') < 0) {
            throw new UnknownOperationException("Missing or unknown X-Amz-Target: expected " + expectedTargets);
        }
        Bound operation = operations.get(target);
        if (operation == null) {
            throw new UnknownOperationException(notServed(target));
        }
        String contentType = request.header("Content-Type").orElse("");
        if (!mediaType(contentType).equals(AwsErrors.CONTENT_TYPE)) {
            throw new UnsupportedMediaTypeException("The AWS JSON 1.1 protocol takes Content-Type " + AwsErrors.CONTENT_TYPE
                    + (contentType.isEmpty() ? "; the request has none" : ", not " + contentType));
        }
        return operation;
    }

    /** Bad input is refused here; a valid call is answered here, or by the server its router names. */
    private static HttpResponse answer(Bound bound, HttpRequest request, String requestId) {
        JsonNode body = readBody(request.body());
        bound.service().validator().validate(bound.operation().name(), body);
        Optional<HttpResponse> elsewhere = bound.service().router().route(bound.operation().name(), body, request);
        if (elsewhere.isPresent()) {
            return elsewhere.get();
        }
        return AwsErrors.json(200, JsonCodec.encode(bound.operation().invoke(JsonCodec.decode(body, bound.operation().inputType()))), requestId);
    }

    private static String mediaType(String contentType) {
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
    }

    private static JsonNode readBody(byte[] bytes) {
        JsonNode body;
        try {
            body = JsonCodec.mapper().readTree(bytes);
        }
        catch (JsonProcessingException e) {
            throw new SerializationException("The request body is not valid JSON: " + e.getOriginalMessage());
        }
        catch (java.io.IOException e) {
            throw new SerializationException("The request body is not valid JSON: " + e.getMessage());
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
}
