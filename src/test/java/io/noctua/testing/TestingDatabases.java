package io.noctua.testing;

import io.noctua.store.Database;
import org.junit.jupiter.api.Assumptions;

/** A fresh store database for tests that run on both dialects: {@code sqlite} (a new file) or {@code postgresql}. */
public final class TestingDatabases {
    private TestingDatabases() {
    }

    /** A new, empty database; on {@code postgresql} the test is skipped where PostgreSQL cannot run. */
    public static Database open(String dialect) {
        if (dialect.equals("sqlite")) {
            return Database.open("jdbc:sqlite:" + TestingServer.temporaryDirectory("noctua-store-").resolve("noctua.db"));
        }
        String missing = TestingPostgres.missing();
        Assumptions.assumeTrue(missing == null, missing);
        return Database.open(TestingPostgres.shared().newDatabase(), TestingPostgres.USER, TestingPostgres.PASSWORD);
    }
}
