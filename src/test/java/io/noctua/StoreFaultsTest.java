package io.noctua;

import io.noctua.testing.Athena;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.CalculationSummary;
import software.amazon.awssdk.services.athena.model.InternalServerException;
import software.amazon.awssdk.services.athena.model.SessionState;
import software.amazon.awssdk.services.athena.model.SessionSummary;
import software.amazon.awssdk.services.athena.model.TerminateSessionResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.noctua.testing.Athena.SPARK_WORK_GROUP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The store on a disk that fills up, end to end: the data directory is a small tmpfs (so the test
 * needs root; calculation outputs go to the shared S3 store elsewhere), which a file then fills.
 */
class StoreFaultsTest {
    @Test
    void whileTheDiskIsFullWritesFailWithTheCauseAndOnceThereIsRoomTheyWorkWithNothingLost() throws Exception {
        Path dataDir = TestingServer.temporaryDirectory("noctua-full-disk-");
        mountTmpfs(dataDir, "32m");
        try {
            String kept;
            String completedId;
            String ended;
            String startedAfter;
            String secondId;
            try (TestingServer server = TestingServer.start(dataDir, Map.of())) {
                AthenaClient athena = server.client();
                kept = Athena.startIdleSession(athena);
                completedId = server.runCompleted(kept, "%%sql\nSELECT 1").calculationExecutionId();
                ended = Athena.startIdleSession(athena);
                assertEquals(SessionState.TERMINATED, athena.terminateSession(r -> r.sessionId(ended)).state());

                Path filler = dataDir.resolve("filler");
                fill(filler);
                String full = "the store could not write: the disk is full (SQLITE_FULL) at " + dataDir.resolve("noctua.db");
                assertFailsWith(full, () -> athena.startSession(r -> r.workGroup(SPARK_WORK_GROUP).engineConfiguration(e -> e.maxConcurrentDpus(2))));
                assertFailsWith(full, () -> athena.startCalculationExecution(r -> r.sessionId(kept).codeBlock("%%sql\nSELECT 2")));
                assertFailsWith(full, () -> athena.terminateSession(r -> r.sessionId(kept)));
                // a second try fails for the same reason, not for a broken statement
                assertFailsWith(full, () -> athena.startSession(r -> r.workGroup(SPARK_WORK_GROUP).engineConfiguration(e -> e.maxConcurrentDpus(2))));
                // reads go on, and the session that could not be ended is still IDLE, in memory as in the store
                assertEquals(SessionState.IDLE, athena.getSession(r -> r.sessionId(kept)).status().state());
                assertEquals(CalculationExecutionState.COMPLETED,
                        athena.getCalculationExecution(r -> r.calculationExecutionId(completedId)).status().state());
                assertEquals(Set.of(kept, ended), sessionIds(athena));

                Files.delete(filler);
                startedAfter = Athena.startIdleSession(athena);
                secondId = server.runCompleted(kept, "%%sql\nSELECT 2").calculationExecutionId();
                TerminateSessionResponse terminated = athena.terminateSession(r -> r.sessionId(kept));
                assertEquals(SessionState.TERMINATED, terminated.state());

                assertEquals(Set.of(kept, ended, startedAfter), sessionIds(athena));
                assertEquals(SessionState.TERMINATED, athena.getSession(r -> r.sessionId(ended)).status().state());
                assertEquals(List.of(secondId, completedId), calculationIds(athena, kept));
                assertEquals("%%sql\nSELECT 1", athena.getCalculationExecutionCode(r -> r.calculationExecutionId(completedId)).codeBlock());
            }

            // and all of it is in the file: a new server on the directory finds it
            try (TestingServer restarted = TestingServer.start(dataDir, Map.of())) {
                AthenaClient athena = restarted.client();
                assertEquals(Set.of(kept, ended, startedAfter), sessionIds(athena));
                assertEquals(List.of(secondId, completedId), calculationIds(athena, kept));
                assertEquals(CalculationExecutionState.COMPLETED,
                        athena.getCalculationExecution(r -> r.calculationExecutionId(secondId)).status().state());
            }
        }
        finally {
            unmount(dataDir);
        }
    }

    private static void assertFailsWith(String cause, Executable call) {
        InternalServerException e = assertThrows(InternalServerException.class, call);
        String message = e.awsErrorDetails().errorMessage();
        assertTrue(message.startsWith(cause + " (request id "), message);
        assertEquals(500, e.statusCode());
    }

    private static Set<String> sessionIds(AthenaClient athena) {
        return athena.listSessions(r -> r.workGroup(SPARK_WORK_GROUP)).sessions().stream()
                .map(SessionSummary::sessionId).collect(Collectors.toSet());
    }

    private static List<String> calculationIds(AthenaClient athena, String sessionId) {
        return athena.listCalculationExecutions(r -> r.sessionId(sessionId)).calculations().stream()
                .map(CalculationSummary::calculationExecutionId).toList();
    }

    /** Writes {@code file} until the file system has no room left. */
    private static void fill(Path file) throws IOException {
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(block);
            }
        }
        catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left")) {
                throw e;
            }
        }
    }

    /** Mounts a tmpfs of {@code size} on {@code directory}; the test is skipped where that is not allowed (not root, no mount). */
    private static void mountTmpfs(Path directory, String size) throws Exception {
        String output;
        int exit;
        try {
            Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", directory.toString())
                    .redirectErrorStream(true).start();
            output = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            exit = mount.waitFor(30, TimeUnit.SECONDS) ? mount.exitValue() : -1;
        }
        catch (IOException e) {
            output = e.getMessage();
            exit = -1;
        }
        if (exit != 0) {
            Files.deleteIfExists(directory);
        }
        String reason = output;
        int status = exit;
        assumeTrue(status == 0, () -> "a full disk is made with a small tmpfs, which needs root and mount: mount exited " + status + ": " + reason);
    }

    private static void unmount(Path directory) throws Exception {
        Process umount = new ProcessBuilder("umount", directory.toString()).redirectErrorStream(true).start();
        String output = new String(umount.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!umount.waitFor(30, TimeUnit.SECONDS) || umount.exitValue() != 0) {
            // something still has a file open there (a worker process ending): detach it now, freed when closed
            new ProcessBuilder("umount", "-l", directory.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
            System.err.println("umount " + directory + " needed -l: " + output);
        }
        Files.deleteIfExists(directory);
    }
}
