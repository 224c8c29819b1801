package io.noctua.store;

import io.noctua.api.SessionState;
import io.noctua.cluster.ServerStore;
import io.noctua.session.Session;
import io.noctua.session.SessionStore;
import io.noctua.testing.TestingDatabases;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Leases judged by the database's clock, the owners of sessions, and the shared secret, on SQLite and on PostgreSQL. */
class JdbcServerStoreTest {
    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void aLeaseLivesUntilItIsNotRenewed(String dialect) {
        try (Database database = TestingDatabases.open(dialect)) {
            ServerStore servers = new JdbcServerStore(database);
            servers.register("a", "dir-1", "http://127.0.0.1:1", Duration.ofMinutes(1));
            servers.register("b", "dir-2", "http://127.0.0.1:2", Duration.ofMillis(200));
            assertEquals(List.of(new ServerStore.Server("a", "http://127.0.0.1:1", 0), new ServerStore.Server("b", "http://127.0.0.1:2", 0)),
                    servers.liveServers());
            assertTrue(servers.renew("a", 3, Duration.ofMinutes(1)));
            sleep(400);
            assertEquals(List.of(new ServerStore.Server("a", "http://127.0.0.1:1", 3)), servers.liveServers());
            assertEquals(List.of("b"), servers.expiredServers());
            assertFalse(servers.renew("b", 0, Duration.ofMinutes(1)), "an expired lease is not renewed: its work may be being ended");
            assertFalse(servers.forgetExpired("a"), "a live lease is not forgotten");
            assertTrue(servers.forgetExpired("b"));
            assertEquals(List.of(), servers.expiredServers());
            servers.register("b", "dir-2", "http://127.0.0.1:3", Duration.ofMinutes(1));
            servers.register("c", "dir-1", "http://127.0.0.1:4", Duration.ofMinutes(1));
            assertEquals(List.of("a"), servers.earlierServers("dir-1", "c"), "the servers that ran on a data directory before");
            assertEquals(3, servers.liveServers().size());
            servers.remove("a");
            assertEquals(List.of("b", "c"), servers.liveServers().stream().map(ServerStore.Server::serverId).toList());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void sessionsNameTheServerThatRunsThem(String dialect) {
        try (Database database = TestingDatabases.open(dialect)) {
            SessionStore ofA = new JdbcSessionStore(database, "a");
            ServerStore servers = new JdbcServerStore(database);
            Session created = TestSessions.creating("s1", null);
            assertTrue(ofA.write(SessionStore.Change.newSession(created)));
            assertEquals(Optional.of("a"), servers.serverOfSession("s1"));
            assertEquals(List.of("s1"), ofA.unendedSessions("a").stream().map(Session::sessionId).toList());
            assertEquals(List.of(), ofA.unendedSessions("b"), "another server's sessions are not b's");
            Session ended = created.transition(SessionState.TERMINATED, "done", Instant.now());
            assertTrue(ofA.write(SessionStore.Change.session(ended, SessionState.CREATING)));
            assertEquals(Optional.empty(), servers.serverOfSession("s1"), "an ended session runs nowhere");
            assertEquals(Optional.empty(), servers.serverOfSession("nope"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void theSecretIsMadeOnceAndShared(String dialect) {
        try (Database database = TestingDatabases.open(dialect)) {
            String secret = new JdbcServerStore(database).secret();
            assertEquals(64, secret.length());
            assertEquals(secret, new JdbcServerStore(database).secret());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
