package io.noctua.cluster;

import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DataDirectoryTest {
    @Test
    void oneServerAtATimeAndTheSameIdAcrossStarts() {
        Path dir = TestingServer.temporaryDirectory("noctua-data-dir-");
        String id;
        try (DataDirectory first = DataDirectory.claim(dir)) {
            id = first.id();
            assertEquals("another Noctua server runs on the data directory " + dir.toAbsolutePath() + " (it holds server.lock): stop it, "
                    + "or give this one a data directory of its own (--data-dir)",
                    assertThrows(IllegalStateException.class, () -> DataDirectory.claim(dir)).getMessage());
        }
        try (DataDirectory again = DataDirectory.claim(dir)) {
            assertEquals(id, again.id());
        }
    }
}
