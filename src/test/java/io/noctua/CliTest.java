package io.noctua;

import io.noctua.testing.Athena;
import io.noctua.testing.ServerExtension;
import io.noctua.testing.TestingS3;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.CalculationSummary;
import software.amazon.awssdk.services.athena.model.SessionState;
import software.amazon.awssdk.services.athena.model.SessionSummary;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.noctua.testing.Athena.LONG_SQL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code noctua run}, {@code sessions}, {@code calculations} and {@code terminate}: the real command, in its own JVM, against a real server. */
class CliTest {
    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private final AthenaClient athena = running.client();
    private final Map<Process, Path> outputs = new HashMap<>();

    private record Outcome(int exitCode, String stdout, String stderr) {
    }

    private Process start(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")), "io.noctua.Main"));
        command.addAll(List.of(args));
        Path dir = Files.createTempDirectory("noctua-cli-");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(dir.resolve("stdout").toFile())
                .redirectError(dir.resolve("stderr").toFile());
        builder.environment().put("NOCTUA_ENDPOINT", running.server().endpoint().toString());
        builder.environment().put("NOCTUA_S3_ENDPOINT", TestingS3.shared().endpoint().toString());
        builder.environment().put("AWS_ACCESS_KEY_ID", TestingS3.ACCESS_KEY_ID);
        builder.environment().put("AWS_SECRET_ACCESS_KEY", TestingS3.SECRET_ACCESS_KEY);
        builder.environment().remove("COLUMNS");
        Process process = builder.start();
        process.getOutputStream().close();
        outputs.put(process, dir);
        return process;
    }

    private Outcome finish(Process process) throws Exception {
        assertTrue(process.waitFor(90, TimeUnit.SECONDS), "the command did not end");
        Path dir = outputs.get(process);
        return new Outcome(process.exitValue(), Files.readString(dir.resolve("stdout"), StandardCharsets.UTF_8),
                Files.readString(dir.resolve("stderr"), StandardCharsets.UTF_8));
    }

    private Outcome noctua(String... args) throws Exception {
        return finish(start(args));
    }

    @Test
    void aCompletedCalculationPrintsItsOutputAndExitsZero() throws Exception {
        Outcome sql = noctua("run", "--sql", "-e", "SELECT 6 * 7 AS answer");
        assertEquals(0, sql.exitCode(), sql.stderr());
        assertEquals("+------+\n|answer|\n+------+\n|    42|\n+------+\n\n", sql.stdout());
        assertEquals("", sql.stderr());

        Path file = Files.createTempFile("noctua-cli-", ".py");
        Files.writeString(file, "print('hello')\n6 * 7\n");
        Outcome python = noctua("run", file.toString());
        assertEquals(0, python.exitCode(), python.stderr());
        assertEquals("hello\n42\n", python.stdout());
    }

    @Test
    void aFailedCalculationPrintsTheErrorOnStderrAndExitsOne() throws Exception {
        Outcome failed = noctua("run", "-e", "x = 1\nprint(x / 0)");
        assertEquals(1, failed.exitCode());
        assertEquals("", failed.stdout());
        assertTrue(failed.stderr().contains("ZeroDivisionError: division by zero"), failed.stderr());
        assertTrue(failed.stderr().contains("FAILED"), failed.stderr());
    }

    @Test
    void ctrlCStopsTheCalculationAndEndsItsSession() throws Exception {
        Process run = start("run", "--description", "cli-stop", "-e", LONG_SQL);
        String[] ids = new String[2];
        Athena.await(() -> {
            for (SessionSummary session : athena.listSessions(r -> r.workGroup("spark").stateFilter(SessionState.BUSY)).sessions()) {
                for (CalculationSummary calculation : athena.listCalculationExecutions(r -> r.sessionId(session.sessionId())).calculations()) {
                    if ("cli-stop".equals(calculation.description()) && calculation.status().state() == CalculationExecutionState.RUNNING) {
                        ids[0] = session.sessionId();
                        ids[1] = calculation.calculationExecutionId();
                        return true;
                    }
                }
            }
            return false;
        }, "the CLI's calculation to run", Duration.ofSeconds(60));

        new ProcessBuilder("kill", "-INT", Long.toString(run.pid())).start().waitFor();
        Outcome stopped = finish(run);

        assertEquals(130, stopped.exitCode(), stopped.stderr());
        assertTrue(stopped.stderr().contains("calculation " + ids[1] + " CANCELED"), stopped.stderr());
        assertEquals(CalculationExecutionState.CANCELED, athena.getCalculationExecutionStatus(r -> r.calculationExecutionId(ids[1])).status().state());
        assertEquals(SessionState.TERMINATED, athena.getSessionStatus(r -> r.sessionId(ids[0])).status().state());
    }

    @Test
    void sessionsCalculationsAndTerminateListAndEndSessions() throws Exception {
        String sessionId = Athena.startIdleSession(athena);
        Outcome ran = noctua("run", "--session", sessionId, "--description", "listed", "-e", "1 + 1");
        assertEquals(0, ran.exitCode(), ran.stderr());

        Outcome sessions = noctua("sessions", "--state", "idle");
        assertEquals(0, sessions.exitCode(), sessions.stderr());
        assertTrue(sessions.stdout().startsWith("SESSION "), sessions.stdout());
        assertTrue(sessions.stdout().lines().anyMatch(line -> line.startsWith(sessionId + "  IDLE")), sessions.stdout());

        Outcome calculations = noctua("calculations", sessionId);
        List<String> lines = calculations.stdout().lines().toList();
        assertEquals(2, lines.size(), calculations.stdout());
        assertTrue(lines.get(1).matches("[0-9a-f-]{36}  COMPLETED  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  \\d+\\.\\d s\\s+listed"), lines.get(1));

        Outcome terminated = noctua("terminate", sessionId);
        assertEquals(sessionId + " TERMINATED\n", terminated.stdout());
        assertEquals(SessionState.TERMINATED, athena.getSessionStatus(r -> r.sessionId(sessionId)).status().state());

        Outcome unknown = noctua("calculations", "no-such-session");
        assertEquals(1, unknown.exitCode());
        assertTrue(unknown.stderr().startsWith("noctua calculations: "), unknown.stderr());
    }

    @Test
    void anUnknownSessionIsRefusedInTheServersWords() throws Exception {
        Outcome refused = noctua("run", "--session", "no-such-session", "-e", "1");
        assertEquals(1, refused.exitCode());
        assertTrue(refused.stderr().startsWith("noctua run: ") && refused.stderr().contains("no-such-session"), refused.stderr());
    }

    @Test
    void badUsageExitsTwoWithTheUsage() throws Exception {
        Outcome neither = noctua("run");
        assertEquals(2, neither.exitCode());
        assertTrue(neither.stderr().startsWith("noctua run: give a FILE or -e CODE\nUsage: noctua run"), neither.stderr());
        Outcome help = noctua("run", "--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.stdout().contains("Ctrl-C stops the calculation"), help.stdout());
    }
}
