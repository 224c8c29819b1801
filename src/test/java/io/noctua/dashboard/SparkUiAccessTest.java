package io.noctua.dashboard;

import io.noctua.engine.SparkUiFilter;
import io.noctua.protocol.HostPolicy;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Who may read Spark's UI: the API's host and origin rules, and, when calls are signed, the token of GetResourceDashboard's URL. */
class SparkUiAccessTest {
    private final MutableClock clock = new MutableClock();
    private final HostPolicy hosts = HostPolicy.of("127.0.0.1", List.of());

    private static SparkUiFilter.Request request(String path, String query, Map<String, String> headers) {
        Map<String, List<String>> all = new HashMap<>();
        all.put("host", List.of("127.0.0.1:4321"));
        headers.forEach((name, value) -> all.put(name, List.of(value)));
        return new SparkUiFilter.Request("GET", path, query, all);
    }

    @Test
    void withoutSignaturesTheRightHostIsEnoughAndOtherPagesAreRefused() {
        SparkUiAccess access = new SparkUiAccess(hosts, false, clock);
        assertEquals(java.util.Optional.empty(), access.urlQuery());
        assertNull(access.check(request("/jobs/", null, Map.of())));
        SparkUiFilter.Answer rebound = access.check(request("/jobs/", null, Map.of("host", "evil.example:4321")));
        assertEquals(403, rebound.status());
        assertTrue(rebound.text().contains("Host 'evil.example:4321' is not a name this server serves"), rebound.text());
        SparkUiFilter.Answer crossSite = access.check(request("/jobs/", null, Map.of("origin", "http://evil.example")));
        assertEquals(403, crossSite.status());
        assertTrue(crossSite.text().contains("Origin 'http://evil.example' is not this server's"), crossSite.text());
    }

    @Test
    void whenCallsAreSignedTheUrlsTokenSetsACookieThatOpensTheRestUntilItExpires() {
        SparkUiAccess access = new SparkUiAccess(hosts, true, clock);
        SparkUiFilter.Answer bare = access.check(request("/jobs/", null, Map.of()));
        assertEquals(403, bare.status());
        assertTrue(bare.text().contains("opens from the URL GetResourceDashboard gives"), bare.text());

        String query = access.urlQuery().orElseThrow();
        assertTrue(query.startsWith("noctua-token="), query);
        SparkUiFilter.Answer signedIn = access.check(request("/jobs/", "page=2&" + query, Map.of()));
        assertEquals(302, signedIn.status());
        assertEquals("/jobs/?page=2", signedIn.headers().get("Location"), "the token leaves the address");
        String setCookie = signedIn.headers().get("Set-Cookie");
        assertTrue(setCookie.startsWith("noctua-spark-ui=") && setCookie.contains("HttpOnly") && setCookie.contains("Path=/"), setCookie);
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        assertNull(access.check(request("/stages/", null, Map.of("cookie", "other=1; " + cookie))));

        clock.advance(Duration.ofMinutes(61));
        SparkUiFilter.Answer expiredLink = access.check(request("/jobs/", query, Map.of()));
        assertEquals(403, expiredLink.status());
        assertTrue(expiredLink.text().startsWith("The link's token has expired"), expiredLink.text());
        assertNull(access.check(request("/jobs/", null, Map.of("cookie", cookie))), "the cookie lasts longer than the link");
        clock.advance(Duration.ofHours(12));
        assertEquals(403, access.check(request("/jobs/", null, Map.of("cookie", cookie))).status());
    }

    @Test
    void anotherServersTokenAndAForgedOneAreRefused() {
        String theirs = new SparkUiAccess(hosts, true, clock).urlQuery().orElseThrow();
        SparkUiAccess access = new SparkUiAccess(hosts, true, clock);
        assertEquals(403, access.check(request("/jobs/", theirs, Map.of())).status());
        String forged = "noctua-token=" + (clock.instant().getEpochSecond() + 3600) + ".AAAA";
        assertEquals(403, access.check(request("/jobs/", forged, Map.of())).status());
        assertEquals(403, access.check(request("/jobs/", null, Map.of("cookie", "noctua-spark-ui=99999999999.x"))).status());
    }

    @Test
    void theRightTokenDoesNotOpenThePageToAnotherSite() {
        SparkUiAccess access = new SparkUiAccess(hosts, true, clock);
        String query = access.urlQuery().orElseThrow();
        assertEquals(403, access.check(request("/jobs/", query, Map.of("host", "evil.example"))).status());
    }

    private static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-11-30T12:00:00Z");

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
