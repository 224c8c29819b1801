package io.noctua.notebook;

import io.noctua.api.InvalidRequestException;
import io.noctua.api.NotebookShapes.CreatePresignedNotebookUrlInput;
import io.noctua.api.NotebookShapes.CreatePresignedNotebookUrlOutput;
import io.noctua.api.SessionState;
import io.noctua.http.Percent;
import io.noctua.protocol.AccessException;
import io.noctua.session.Session;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * Presigned notebook URLs (CreatePresignedNotebookUrl), made and checked. A URL opens the console's notebook view on a
 * notebook session: {@code <endpoint>/console/notebook/<name>.ipynb#session=<id>&token=<token>} (the token in the
 * fragment, which browsers never send to a server or in a Referer; the page sends it in {@link #TOKEN_HEADER}). A token
 * names one session and its notebook, and opens them until it expires ({@link NotebookUrlAccess} says what it opens). It
 * carries them and its expiry in the clear, and an HMAC-SHA256 over them under a key derived from the secret the servers
 * on one store share, so that any of them can check a token another made and none needs to remember it. A token cannot
 * be withdrawn before it expires; its lifetime is short (10 minutes by default, as Athena's) for that reason.
 */
public final class NotebookUrls {
    /** The header the console's notebook page sends its token in (instead of a signature). */
    public static final String TOKEN_HEADER = "X-Noctua-Notebook-Token";
    private static final String VERSION = "nb1";
    private static final Pattern TOKEN = Pattern.compile(VERSION + "\\.([A-Za-z0-9_-]{1,600})\\.([A-Za-z0-9_-]{43})");
    private static final Pattern CLAIMS = Pattern.compile("([^\\s/]{1,256})/([a-f0-9-]{1,128})/(\\d{1,15})");

    /** What a valid token allows: the calls of {@code sessionId} and of its notebook, until {@code expiresAt}. */
    public record Grant(String sessionId, String notebookId, Instant expiresAt) {
        public Grant {
            requireNonNull(sessionId, "sessionId is null");
            requireNonNull(notebookId, "notebookId is null");
            requireNonNull(expiresAt, "expiresAt is null");
        }
    }

    /** A token and what it grants. */
    private record Issued(String token, Grant grant) {
    }

    private static final Set<SessionState> ENDED = Set.of(SessionState.TERMINATING, SessionState.TERMINATED, SessionState.FAILED);

    private final NotebookStore notebooks;
    private final Function<String, Session> sessions;
    private final Supplier<String> endpoint;
    private final byte[] key;
    private final Clock clock;
    private final Duration lifetime;

    /**
     * @param sessions a session as it is now, by id (an InvalidRequestException for an unknown one)
     * @param endpoint where browsers reach this server, as {@code http://host:port}
     * @param sharedSecret the store's secret, from which the key of the tokens' MACs is derived (and kept apart from others)
     */
    public NotebookUrls(NotebookStore notebooks, Function<String, Session> sessions, Supplier<String> endpoint, String sharedSecret,
                        Clock clock, Duration lifetime) {
        this.notebooks = requireNonNull(notebooks, "notebooks is null");
        this.sessions = requireNonNull(sessions, "sessions is null");
        this.endpoint = requireNonNull(endpoint, "endpoint is null");
        this.key = mac(requireNonNull(sharedSecret, "sharedSecret is null").getBytes(StandardCharsets.UTF_8),
                "noctua presigned notebook url".getBytes(StandardCharsets.UTF_8));
        this.clock = requireNonNull(clock, "clock is null");
        this.lifetime = requireNonNull(lifetime, "lifetime is null");
    }

    /** A URL for an active session that was started with a notebook (AdditionalConfigs {"NotebookId": ...}). */
    public CreatePresignedNotebookUrlOutput create(CreatePresignedNotebookUrlInput input) {
        Session session = sessions.apply(input.sessionId());
        Map<String, String> configs = session.engineConfiguration().additionalConfigs();
        String notebookId = configs == null ? null : configs.get(NotebookService.NOTEBOOK_ID_CONFIG);
        if (notebookId == null) {
            throw new InvalidRequestException("Session " + session.sessionId() + " is not a notebook session: start it with NotebookVersion "
                    + "and EngineConfiguration.AdditionalConfigs {\"NotebookId\": ...}");
        }
        if (ENDED.contains(session.state())) {
            throw new InvalidRequestException("Session " + session.sessionId() + " is " + session.state() + ": a notebook URL is made for an "
                    + "active session");
        }
        Notebook notebook = notebooks.get(notebookId).orElseThrow(() -> new InvalidRequestException("Notebook " + notebookId
                + " of session " + session.sessionId() + " was not found: it was deleted"));
        Issued issued = issue(session.sessionId(), notebookId);
        String url = endpoint.get() + "/console/notebook/" + Percent.encode(notebook.name() + ".ipynb", false)
                + "#session=" + Percent.encode(session.sessionId(), false) + "&token=" + issued.token();
        return new CreatePresignedNotebookUrlOutput(url, issued.token(), issued.grant().expiresAt().getEpochSecond());
    }

    private Issued issue(String sessionId, String notebookId) {
        Instant expiresAt = clock.instant().plus(lifetime);
        String claims = sessionId + "/" + notebookId + "/" + expiresAt.getEpochSecond();
        String body = Base64.getUrlEncoder().withoutPadding().encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        String token = VERSION + "." + body + "." + signature(body);
        return new Issued(token, new Grant(sessionId, notebookId, Instant.ofEpochSecond(expiresAt.getEpochSecond())));
    }

    /** What {@code token} grants now; an AccessDeniedException that says why when it is not a token of this store or has expired. */
    public Grant verify(String token) {
        Matcher matcher = TOKEN.matcher(token);
        if (!matcher.matches() || !MessageDigest.isEqual(signature(matcher.group(1)).getBytes(StandardCharsets.US_ASCII),
                matcher.group(2).getBytes(StandardCharsets.US_ASCII))) {
            throw AccessException.accessDenied("The notebook URL's token is not valid: it was not made by CreatePresignedNotebookUrl on this "
                    + "server's store, or it was changed");
        }
        Matcher claims = CLAIMS.matcher(new String(Base64.getUrlDecoder().decode(matcher.group(1)), StandardCharsets.UTF_8));
        if (!claims.matches()) {
            throw AccessException.accessDenied("The notebook URL's token is not valid");
        }
        Instant expiresAt = Instant.ofEpochSecond(Long.parseLong(claims.group(3)));
        if (!clock.instant().isBefore(expiresAt)) {
            throw AccessException.accessDenied("The notebook URL expired at " + expiresAt + ": ask for a new one with "
                    + "CreatePresignedNotebookUrl (a URL opens its notebook for " + (lifetime.toSecondsPart() == 0 && lifetime.toMinutes() > 0
                    ? lifetime.toMinutes() + " minutes)" : lifetime.toSeconds() + " seconds)"));
        }
        return new Grant(claims.group(1), claims.group(2), expiresAt);
    }

    private String signature(String body) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(mac(key, body.getBytes(StandardCharsets.US_ASCII)));
    }

    private static byte[] mac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        }
        catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this Java", e);
        }
    }
}
