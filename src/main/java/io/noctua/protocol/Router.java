package io.noctua.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import io.noctua.http.HttpRequest;
import io.noctua.http.HttpResponse;

import java.util.Optional;

/**
 * Decides, for a decoded and validated call, whether another server must answer it (the one that
 * runs the session it names), and then gets that server's answer. Empty: this server answers.
 */
@FunctionalInterface
public interface Router {
    Router LOCAL = (operation, body, request) -> Optional.empty();

    Optional<HttpResponse> route(String operation, JsonNode body, HttpRequest request);
}
