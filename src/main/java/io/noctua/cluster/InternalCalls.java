package io.noctua.cluster;

import io.noctua.http.HttpRequest;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * How servers on one store prove a call to each other is theirs: an HMAC-SHA256, under the secret
 * they share through the store, of the calling server, the time, the operation and the body's hash.
 * A call older or newer than {@link #WINDOW} is refused, so a recorded call cannot be replayed later.
 * Not encryption: between machines, the network is trusted as it is for the database.
 */
public final class InternalCalls {
    public static final String FROM = "X-Noctua-Forwarded-By";
    public static final String DATE = "X-Noctua-Date";
    public static final String SIGNATURE = "X-Noctua-Signature";
    public static final Duration WINDOW = Duration.ofMinutes(2);

    private final byte[] secret;
    private final Clock clock;

    public InternalCalls(String secret, Clock clock) {
        this.secret = requireNonNull(secret, "secret is null").getBytes(StandardCharsets.UTF_8);
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** The headers that make a call from {@code serverId} of {@code target} with {@code body} an internal one. */
    public Map<String, String> sign(String serverId, String target, byte[] body) {
        String date = Long.toString(clock.millis());
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(FROM, serverId);
        headers.put(DATE, date);
        headers.put(SIGNATURE, mac(serverId, date, target, body));
        return headers;
    }

    /** Empty when {@code request} is a call signed by a server on this store; otherwise why it is refused. */
    public Optional<String> refusal(HttpRequest request) {
        String from = request.header(FROM).orElse(null);
        String date = request.header(DATE).orElse(null);
        String signature = request.header(SIGNATURE).orElse(null);
        if (from == null || date == null || signature == null) {
            return Optional.of("an internal call needs the headers " + FROM + ", " + DATE + " and " + SIGNATURE);
        }
        long millis;
        try {
            millis = Long.parseLong(date);
        }
        catch (NumberFormatException e) {
            return Optional.of(DATE + " is not a time in epoch milliseconds");
        }
        if (Math.abs(clock.millis() - millis) > WINDOW.toMillis()) {
            return Optional.of("the internal call's " + DATE + " is more than " + WINDOW.toMinutes() + " minutes from this server's clock");
        }
        String expected = mac(from, date, request.header("X-Amz-Target").orElse(""), request.body());
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), signature.getBytes(StandardCharsets.US_ASCII))) {
            return Optional.of("the internal call's signature does not match: it was not signed by a server on this store");
        }
        return Optional.empty();
    }

    private String mac(String serverId, String date, String target, byte[] body) {
        try {
            String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            byte[] signed = mac.doFinal((serverId + "\n" + date + "\n" + target + "\n" + digest).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(signed);
        }
        catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is missing from this Java", e);
        }
    }
}
