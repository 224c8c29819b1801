package io.noctua.testing;

import io.noctua.engine.MetastoreDatabase;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The switch that runs the end-to-end tests on PostgreSQL: with {@code -Dnoctua.test.postgres=true}
 * (the Surefire execution {@code postgres} in pom.xml), every {@link TestingServer} and
 * {@link ServerProcess} keeps its store, and the shared Spark engine its metastore, in a database of
 * the tests' {@link TestingPostgres} instead of SQLite and Derby. A data directory stands for a
 * server's databases as it does for its files: a server started again on the same directory (a
 * restart, after {@code kill -9} too) gets the same databases. Without PostgreSQL on the machine, the
 * tests of that run are skipped with the reason.
 */
public final class PostgresSuite {
    public static final boolean ENABLED = Boolean.getBoolean("noctua.test.postgres");

    /** The store and metastore databases of each data directory. */
    private static final Map<Path, Map<String, String>> DATABASES = new HashMap<>();

    private PostgresSuite() {
    }

    /** Skips the calling test, with the reason, when there is no PostgreSQL to run on. */
    public static TestingPostgres postgres() {
        String missing = TestingPostgres.missing();
        Assumptions.assumeTrue(missing == null, missing);
        return TestingPostgres.shared();
    }

    /** The metastore of the JVM's shared Spark engine: a database of its own. */
    public static MetastoreDatabase sharedMetastore() {
        return new MetastoreDatabase(postgres().newDatabase(), TestingPostgres.USER, TestingPostgres.PASSWORD);
    }

    /** The settings that put the store of a server on {@code dataDir} in PostgreSQL: the same database for the same directory. */
    public static synchronized Map<String, String> store(Path dataDir) {
        return Map.of("store.url", databases(dataDir).get("store"), "store.user", TestingPostgres.USER,
                "store.password", TestingPostgres.PASSWORD);
    }

    /** The settings for a server process of its own: its store and its metastore (Derby's is one per data directory too). */
    public static synchronized Map<String, String> storeAndMetastore(Path dataDir) {
        Map<String, String> settings = new HashMap<>(store(dataDir));
        settings.putAll(Map.of("metastore.url", databases(dataDir).get("metastore"), "metastore.user", TestingPostgres.USER,
                "metastore.password", TestingPostgres.PASSWORD));
        return settings;
    }

    private static Map<String, String> databases(Path dataDir) {
        return DATABASES.computeIfAbsent(dataDir.toAbsolutePath().normalize(), directory -> {
            TestingPostgres postgres = postgres();
            return Map.of("store", postgres.newDatabase(), "metastore", postgres.newDatabase());
        });
    }
}
