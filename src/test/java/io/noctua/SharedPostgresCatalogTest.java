package io.noctua;

import io.noctua.testing.ServerProcess;
import io.noctua.testing.TestingPostgres;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A metastore or store database that is missing or unreachable stops the start with one line naming
 * it, without the password. (Two servers sharing a PostgreSQL catalog: {@link SeveralServersTest}.)
 */
class SharedPostgresCatalogTest {
    private static final String SECRET = TestingPostgres.PASSWORD;

    @BeforeAll
    static void postgres() {
        String missing = TestingPostgres.missing();
        assumeTrue(missing == null, missing);
    }

    private static Map<String, String> databases(String store, String metastore) {
        return Map.of("store.url", store, "store.user", TestingPostgres.USER, "store.password", SECRET,
                "metastore.url", metastore, "metastore.user", TestingPostgres.USER, "metastore.password", SECRET);
    }

    @Test
    void aMissingMetastoreDatabaseFailsTheStartInOneLineNamingIt() {
        TestingPostgres postgres = TestingPostgres.shared();
        String missing = postgres.url("no_such_metastore");
        ServerProcess server = ServerProcess.start(TestingServer.temporaryDirectory("noctua-no-metastore-"),
                databases(postgres.newDatabase(), missing));
        assertEquals(1, server.exitCode(), server.log());
        assertEquals("noctua serve: the catalog's database (metastore.url) could not be reached: the database does not exist on the "
                + "server (create it empty, e.g. with createdb): FATAL: database \"no_such_metastore\" does not exist (SQLState 3D000) at "
                + missing, refusal(server.log()));
    }

    @Test
    void anUnreachableMetastoreOrStoreFailsTheStartInOneLineNamingIt() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort(); // closed again: nothing listens there
        }
        String nowhere = "jdbc:postgresql://127.0.0.1:" + port + "/noctua";
        TestingPostgres postgres = TestingPostgres.shared();

        ServerProcess noMetastore = ServerProcess.start(TestingServer.temporaryDirectory("noctua-unreachable-metastore-"),
                databases(postgres.newDatabase(), nowhere));
        assertEquals(1, noMetastore.exitCode(), noMetastore.log());
        String line = refusal(noMetastore.log());
        assertTrue(line.startsWith("noctua serve: the catalog's database (metastore.url) could not be reached: the connection to the "
                + "database server failed: "), line);
        assertTrue(line.endsWith(" at " + nowhere), line);

        ServerProcess noStore = ServerProcess.start(TestingServer.temporaryDirectory("noctua-unreachable-store-"),
                databases(nowhere, postgres.newDatabase()));
        assertEquals(1, noStore.exitCode(), noStore.log());
        line = refusal(noStore.log());
        assertTrue(line.startsWith("noctua serve: the store could not be opened: the connection to the database server failed: "), line);
        assertTrue(line.endsWith(" at " + nowhere), line);
    }

    /** The one line saying why the server did not start; the log has no stack trace and no password. */
    private static String refusal(String log) {
        assertFalse(log.contains(SECRET), log);
        assertFalse(log.contains("\tat "), "a stack trace:\n" + log);
        List<String> lines = log.lines().filter(line -> line.startsWith("noctua serve: ")).toList();
        assertEquals(1, lines.size(), log);
        return lines.get(0);
    }
}
