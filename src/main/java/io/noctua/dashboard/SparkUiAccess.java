package io.noctua.dashboard;

import io.noctua.engine.SparkUiFilter;
import io.noctua.http.HttpRequest;
import io.noctua.protocol.HostPolicy;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * A Noctua server's rules for Spark's web UI ({@link SparkUiFilter.Gate}). The UI is a web page of its
 * own on a port of its own, so it gets the API's defence against other web pages: the request must name
 * a host this server serves and carry no other site's Origin ({@link HostPolicy}). When the server checks
 * signatures, the UI cannot be signed, so it asks for what GetResourceDashboard's URL carries instead:
 * a token made with a key of this server's, good for {@link #URL_LIFETIME}. The first page opened with it
 * sets a cookie good for {@link #COOKIE_LIFETIME} (the token is then taken out of the address), so the UI's
 * links work in that browser.
 */
public final class SparkUiAccess implements SparkUiFilter.Gate {
    static final String TOKEN_PARAMETER = "noctua-token";
    static final String COOKIE = "noctua-spark-ui";
    static final Duration URL_LIFETIME = Duration.ofHours(1);
    static final Duration COOKIE_LIFETIME = Duration.ofHours(12);

    private final HostPolicy hosts;
    private final boolean signIn;
    private final Clock clock;
    private final SecretKeySpec key;

    /** {@code signIn}: the server checks signatures, so the UI asks for a token. */
    public SparkUiAccess(HostPolicy hosts, boolean signIn, Clock clock) {
        this.hosts = requireNonNull(hosts, "hosts is null");
        this.signIn = signIn;
        this.clock = requireNonNull(clock, "clock is null");
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        this.key = new SecretKeySpec(secret, "HmacSHA256");
    }

    /** What a dashboard URL adds to its query for the UI to open it ({@code noctua-token=...}), if the UI asks for anything. */
    public Optional<String> urlQuery() {
        return signIn ? Optional.of(TOKEN_PARAMETER + "=" + token(URL_LIFETIME)) : Optional.empty();
    }

    @Override
    public SparkUiFilter.Answer check(SparkUiFilter.Request request) {
        HttpRequest asHttp = new HttpRequest(request.method(), request.path(), request.rawQuery(), request.headers(), new byte[0]);
        Optional<String> refusal = hosts.refusal(asHttp);
        if (refusal.isPresent()) {
            return new SparkUiFilter.Answer(403, Map.of(), refusal.get());
        }
        if (!signIn) {
            return null;
        }
        String given = asHttp.queryParameters().get(TOKEN_PARAMETER);
        if (given != null && valid(given)) {
            String rest = withoutToken(request.rawQuery());
            return new SparkUiFilter.Answer(302, Map.of(
                    "Location", request.path() + (rest.isEmpty() ? "" : "?" + rest),
                    "Set-Cookie", COOKIE + "=" + token(COOKIE_LIFETIME) + "; Path=/; Max-Age=" + COOKIE_LIFETIME.toSeconds()
                            + "; HttpOnly; SameSite=Lax"), "Signed in to Spark's UI");
        }
        if (cookie(request).filter(this::valid).isPresent()) {
            return null;
        }
        return new SparkUiFilter.Answer(403, Map.of(), (given == null ? "" : "The link's token has expired or is not this server's. ")
                + "Spark's UI on this server opens from the URL GetResourceDashboard gives for a running session (good for "
                + URL_LIFETIME.toMinutes() + " minutes): ask for a new one");
    }

    /** {@code <expiry epoch seconds>.<HMAC-SHA256 of it, base64url>}. */
    private String token(Duration lifetime) {
        String expiry = Long.toString(clock.instant().plus(lifetime).getEpochSecond());
        return expiry + "." + mac(expiry);
    }

    private boolean valid(String token) {
        int dot = token.indexOf('.');
        if (dot <= 0) {
            return false;
        }
        String expiry = token.substring(0, dot);
        long expirySeconds;
        try {
            expirySeconds = Long.parseLong(expiry);
        }
        catch (NumberFormatException e) {
            return false;
        }
        byte[] expected = mac(expiry).getBytes(StandardCharsets.US_ASCII);
        byte[] actual = token.substring(dot + 1).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, actual) && clock.instant().getEpochSecond() < expirySeconds;
    }

    private String mac(String expiry) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            byte[] digest = mac.doFinal(("noctua-spark-ui\n" + expiry).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        }
        catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private static Optional<String> cookie(SparkUiFilter.Request request) {
        for (String header : request.headers().getOrDefault("cookie", List.of())) {
            for (String pair : header.split(";")) {
                String trimmed = pair.strip();
                if (trimmed.startsWith(COOKIE + "=")) {
                    return Optional.of(trimmed.substring(COOKIE.length() + 1));
                }
            }
        }
        return Optional.empty();
    }

    private static String withoutToken(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        List<String> kept = new ArrayList<>();
        for (String pair : rawQuery.split("&")) {
            if (!pair.equals(TOKEN_PARAMETER) && !pair.startsWith(TOKEN_PARAMETER + "=")) {
                kept.add(pair);
            }
        }
        return String.join("&", kept);
    }
}
