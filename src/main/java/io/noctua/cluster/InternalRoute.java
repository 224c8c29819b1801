package io.noctua.cluster;

import io.noctua.http.HttpRequest;
import io.noctua.http.HttpResponse;
import io.noctua.http.Route;
import io.noctua.protocol.AccessException;
import io.noctua.protocol.AwsErrors;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Where another server on the same store sends the calls this server must answer ({@link Forwarder}):
 * checked as theirs ({@link InternalCalls}) instead of by the client's SigV4 signature, which the
 * other server already checked, then answered by the same API as {@code POST /}.
 */
public final class InternalRoute implements Route {
    private final InternalCalls calls;
    private final Route api;

    public InternalRoute(InternalCalls calls, Route api) {
        this.calls = requireNonNull(calls, "calls is null");
        this.api = requireNonNull(api, "api is null");
    }

    @Override
    public HttpResponse handle(HttpRequest request) {
        Optional<String> refusal = calls.refusal(request);
        if (refusal.isPresent()) {
            return AwsErrors.response(AccessException.accessDenied(refusal.get()), AwsErrors.newRequestId());
        }
        return api.handle(new HttpRequest(request.method(), "/", request.rawQuery(), request.headers(), request.body()));
    }
}
