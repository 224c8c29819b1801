package io.noctua;

import io.noctua.testing.Athena;
import io.noctua.testing.ListeningSockets;
import io.noctua.testing.ListeningSockets.Listener;
import io.noctua.testing.ServerProcess;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A server started with the defaults listens on loopback only: its API, the S3 store, Spark's driver and web UI, Python. */
class ListeningSocketsTest {
    @Test
    void everyListeningSocketOfTheServerAndItsChildrenIsOnLoopback() {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs Linux's /proc");
        try (ServerProcess server = ServerProcess.start(TestingServer.temporaryDirectory("noctua-sockets-"));
             AthenaClient athena = server.client()) {
            String sessionId = server.startIdleSession(athena);
            for (String code : List.of("%%sql\nSELECT count(*) FROM range(100)", "print(sum(range(10)))")) {
                assertEquals(CalculationExecutionState.COMPLETED, Athena.run(athena, sessionId, code).status().state(), code);
            }
            List<Listener> listeners = ListeningSockets.of(server.pid());
            // the API, the embedded S3 store, Spark's driver (RPC and block manager) and its web UI at least
            assertTrue(listeners.size() >= 5, "too few listening sockets found: " + listeners);
            int sparkUi = URI.create(athena.getResourceDashboard(r -> r.resourceARN("arn:aws:athena:us-east-1:000000000000:session/" + sessionId))
                    .url()).getPort();
            assertTrue(listeners.stream().anyMatch(listener -> listener.port() == sparkUi), "Spark's UI at " + sparkUi + " among " + listeners);
            for (Listener listener : listeners) {
                assertTrue(listener.address().isLoopbackAddress(), "listens beyond loopback: " + listener + "; all: " + listeners);
            }
        }
    }
}
