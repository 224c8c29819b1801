package io.noctua.protocol;

import io.noctua.api.AthenaException;
import io.noctua.http.HttpRequest;
import io.noctua.http.HttpResponse;
import io.noctua.http.Route;

import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * What every request passes before a route sees it: the Host and Origin rules ({@link HostPolicy}),
 * then, when keys are configured, a valid signature on the routes that need one. A request that carries
 * a {@link ScopedCredential} instead (a presigned notebook URL's token) is checked by it alone, whether
 * or not keys are configured: it opens the few calls it names, and nothing once it has expired. One gate
 * for all routes, so that no route can forget a check.
 */
public final class RequestGate implements Route {
    /**
     * A route at an exact path, or at every path under it when {@code prefix} ({@code /console} takes
     * {@code /console} and {@code /console/...}). {@code signed}: the route needs a signature when keys
     * are configured.
     */
    public record Mount(String path, boolean prefix, boolean signed, Route route) {
        public Mount {
            requireNonNull(path, "path is null");
            requireNonNull(route, "route is null");
        }

        boolean matches(String requested) {
            return requested.equals(path) || prefix && requested.startsWith(path + "/");
        }
    }

    /** A credential a request may carry, in a header of its own, instead of a signature: it opens a narrow set of calls. */
    public interface ScopedCredential {
        String header();

        /** Returns when {@code value} is valid now and opens {@code request}; otherwise throws an AccessException that says why. */
        void check(String value, HttpRequest request);
    }

    private final HostPolicy hosts;
    private final Optional<SigV4Verifier> signatures;
    private final List<ScopedCredential> credentials;
    private final List<Mount> mounts;
    private final Mount fallback;

    /** @param fallback where a request for any other path goes */
    public RequestGate(HostPolicy hosts, Optional<SigV4Verifier> signatures, List<ScopedCredential> credentials, List<Mount> mounts,
                       Mount fallback) {
        this.hosts = requireNonNull(hosts, "hosts is null");
        this.signatures = requireNonNull(signatures, "signatures is null");
        this.credentials = List.copyOf(credentials);
        this.mounts = List.copyOf(mounts);
        this.fallback = requireNonNull(fallback, "fallback is null");
    }

    @Override
    public HttpResponse handle(HttpRequest request) {
        try {
            Optional<String> refusal = hosts.refusal(request);
            if (refusal.isPresent()) {
                throw AccessException.accessDenied(refusal.get());
            }
            Mount mount = mounts.stream().filter(m -> m.matches(request.path())).findFirst().orElse(fallback);
            Optional<ScopedCredential> scoped = credentials.stream().filter(c -> request.header(c.header()).isPresent()).findFirst();
            if (scoped.isPresent()) {
                scoped.get().check(request.header(scoped.get().header()).orElseThrow(), request);
            }
            else if (mount.signed() && signatures.isPresent()) {
                signatures.get().verify(request);
            }
            return mount.route().handle(request);
        }
        catch (AthenaException e) {
            return AwsErrors.response(e, AwsErrors.newRequestId());
        }
    }
}
