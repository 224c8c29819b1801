package io.noctua;

import io.noctua.testing.Athena;
import io.noctua.testing.LauncherJar;
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
    void outputDirSavesEachRichOutputAsAFileAndPrintsItsPath() throws Exception {
        Path dir = Files.createTempDirectory("noctua-cli-outputs-").resolve("made-by-run");
        Outcome run = noctua("run", "--output-dir", dir.toString(), "-e", """
                class Dot:
                    def _repr_svg_(self):
                        return '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><circle r="2"/></svg>'
                class Note:
                    def _repr_html_(self):
                        return '<p>a, "note"</p>'
                print('before')
                display(Dot(), 'plain words', Note())
                7""");
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals("before\n'plain words'\n7\n", run.stdout(), "plain displays are printed as a terminal shows them");
        List<String> saved = run.stderr().lines().toList();
        assertEquals(2, saved.size(), run.stderr());
        assertTrue(saved.get(0).matches("noctua run: output 1 \\(image/svg\\+xml\\) saved as .*/made-by-run/[0-9a-f-]+-1\\.svg"), saved.get(0));
        assertTrue(saved.get(1).matches("noctua run: output 3 \\(text/html\\) saved as .*-3\\.html"), saved.get(1));
        Path svg = Path.of(saved.get(0).substring(saved.get(0).indexOf(" saved as ") + 10));
        assertTrue(Files.readString(svg).startsWith("<svg"), Files.readString(svg));
        Path html = Path.of(saved.get(1).substring(saved.get(1).indexOf(" saved as ") + 10));
        assertEquals("<p>a, \"note\"</p>", Files.readString(html));

        Outcome sql = noctua("run", "--output-dir", dir.toString(), "--sql", "-e", "SELECT 'a,b' AS s, CAST(NULL AS INT) AS n, 1.5D AS x");
        assertEquals(0, sql.exitCode(), sql.stderr());
        String line = sql.stderr().strip();
        assertTrue(line.matches("noctua run: output 1 \\(application/vnd.noctua.table\\+json\\) saved as .*-1\\.csv"), line);
        assertEquals("s,n,x\r\n\"a,b\",,1.5\r\n", Files.readString(Path.of(line.substring(line.indexOf(" saved as ") + 10))));

        Outcome unsaved = noctua("run", "-e", "class Dot:\n    def _repr_svg_(self):\n        return '<svg/>'\ndisplay(Dot())");
        assertEquals(0, unsaved.exitCode(), unsaved.stderr());
        assertEquals("noctua run: 1 rich output (image/svg+xml) not shown here; --output-dir DIR saves them as files\n", unsaved.stderr());
    }

    /**
     * The launcher's client commands record a class-data archive on their first run after a build and
     * start from it afterwards: neither run may print anything the person did not ask for.
     */
    @Test
    void theLaunchersFirstRunAfterABuildPrintsOnlyTheCommandsOutput() throws Exception {
        Path dir = Files.createTempDirectory("noctua-launcher-");
        Path jar = LauncherJar.write(dir);
        for (int run = 1; run <= 2; run++) {
            ProcessBuilder builder = new ProcessBuilder("bash", Path.of("noctua").toAbsolutePath().toString(), "sessions")
                    .redirectOutput(dir.resolve("stdout").toFile())
                    .redirectError(dir.resolve("stderr").toFile());
            builder.environment().put("NOCTUA_JAR", jar.toString());
            builder.environment().put("NOCTUA_ENDPOINT", running.server().endpoint().toString());
            builder.environment().put("AWS_ACCESS_KEY_ID", TestingS3.ACCESS_KEY_ID);
            builder.environment().put("AWS_SECRET_ACCESS_KEY", TestingS3.SECRET_ACCESS_KEY);
            builder.environment().remove("NOCTUA_JAVA_OPTS");
            Process process = builder.start();
            process.getOutputStream().close();
            assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the launcher did not end");
            String stderr = Files.readString(dir.resolve("stderr"));
            assertEquals(0, process.exitValue(), stderr);
            assertEquals("", stderr, "run " + run);
            assertTrue(Files.readString(dir.resolve("stdout")).startsWith("SESSION"), Files.readString(dir.resolve("stdout")));
            assertTrue(Files.isRegularFile(dir.resolve("noctua-cli.jsa")), "the archive after run " + run);
        }
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
