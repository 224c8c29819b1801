package io.noctua.http;

/** What answers a request: a plain function from a whole request to a whole response. */
@FunctionalInterface
public interface Route {
    HttpResponse handle(HttpRequest request);
}
