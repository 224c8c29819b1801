package io.noctua.engine.python;

import io.noctua.config.NoctuaConfig;
import io.noctua.testing.Athena;
import io.noctua.testing.Commands;
import io.noctua.testing.PythonEnvironments;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The environment Noctua builds for its workers, with pip against the index this machine's pip is
 * configured with: small packages it serves (six, idna), and pyspark, which it may not serve.
 */
class PythonEnvironmentTest {
    private static final String PYSPARK = "pyspark==" + NoctuaConfig.sparkVersion();

    private final ByteArrayOutputStream progress = new ByteArrayOutputStream();

    private PythonEnvironment.Status ensure(Path dir, List<String> wanted) {
        progress.reset();
        return new PythonEnvironment(dir, "python3", wanted, new PrintStream(progress, true, StandardCharsets.UTF_8)).ensure();
    }

    private String progress() {
        return progress.toString(StandardCharsets.UTF_8);
    }

    private static PythonEnvironment.PackageState state(PythonEnvironment.Status status, String name) {
        return status.packages().stream().filter(state -> state.name().equals(name)).findFirst().orElseThrow();
    }

    private static Commands.Result pip(Path dir, String... arguments) {
        List<String> command = new java.util.ArrayList<>(List.of(dir.resolve("bin/python").toString(), "-m", "pip"));
        command.addAll(List.of(arguments));
        return Commands.run(command, Map.of(), Duration.ofMinutes(2));
    }

    @Test
    void buildsWhatTheIndexServesRecordsWhatItCouldNotAndReusesItAfter() throws IOException {
        Path dir = TestingServer.temporaryDirectory("noctua-env-").resolve("python-env");
        PythonEnvironment.Status built = ensure(dir, List.of("six", "idna<4", PYSPARK));

        assertNull(built.problem());
        assertFalse(built.reused());
        assertEquals(dir.resolve("bin/python"), built.python());
        assertTrue(built.pythonVersion().startsWith("3."), built.pythonVersion());
        assertTrue(state(built, "six").installed(), built.toString());
        assertTrue(state(built, "idna").version().startsWith("3."), built.toString());
        assertTrue(progress().startsWith("noctua: building the Python environment in " + dir + " (first start: pip installs 3 packages"), progress());
        Path record = dir.resolve(PythonEnvironment.RECORD);
        assertTrue(Files.isRegularFile(record));
        String recorded = Files.readString(record);
        assertTrue(recorded.contains("\"wanted\" : [ \"six\", \"idna<4\", \"" + PYSPARK + "\" ]"), recorded);
        assertTrue(recorded.contains("\"builtAt\""), recorded);

        PythonEnvironment.PackageState pyspark = state(built, "pyspark");
        if (!pyspark.installed()) { // this machine's index does not serve pyspark: the reason is pip's
            assertEquals("No matching distribution found for " + PYSPARK, pyspark.reason());
            assertTrue(progress().contains("noctua:   " + PYSPARK + ": No matching distribution found for " + PYSPARK + "\n"), progress());
            assertTrue(progress().contains("noctua:   six installed\n"), progress());
            String pip = dir.resolve("bin/pip").toString();
            assertTrue(built.describe().contains("\npyspark " + NoctuaConfig.sparkVersion() + " could not be installed (No matching distribution found for "
                    + PYSPARK + "): add it with '" + pip + " install " + PYSPARK + "' (or set python.executable to a Python that has it)"
                    + " and restart; until then Python calculations have no 'spark'"), built.describe());
            assertTrue(built.sparkHint().startsWith(" (Noctua binds 'spark' and 'sc'"), built.sparkHint());
            assertTrue(built.sparkHint().contains("add it with '" + pip + " install " + PYSPARK + "'"), built.sparkHint());
            assertTrue(recorded.contains("\"missing\" : \"No matching distribution found for " + PYSPARK + "\""), recorded);
        }

        // a second start: no pip run at all, the same record
        Path pipLog = dir.resolve(PythonEnvironment.PIP_LOG);
        long logSize = Files.size(pipLog);
        long begin = System.nanoTime();
        PythonEnvironment.Status reused = ensure(dir, List.of("six", "idna<4", PYSPARK));
        long millis = (System.nanoTime() - begin) / 1_000_000;
        assertTrue(reused.reused());
        assertEquals(built.builtAt(), reused.builtAt());
        assertEquals(built.packages(), reused.packages());
        assertEquals("", progress());
        assertEquals(logSize, Files.size(pipLog));
        assertEquals(recorded, Files.readString(record));
        assertTrue(millis < 5_000, millis + " ms");

        // what the person removes or installs by hand counts at the next start
        assertEquals(0, pip(dir, "uninstall", "-y", "six").exitCode());
        PythonEnvironment.PackageState removed = state(ensure(dir, List.of("six", "idna<4", PYSPARK)), "six");
        assertEquals(new PythonEnvironment.PackageState("six", "six", null, "removed from the environment after it was built"), removed);
        assertEquals(0, pip(dir, "install", "--retries", "0", "six").exitCode());
        PythonEnvironment.Status handInstalled = ensure(dir, List.of("six", "idna<4", PYSPARK));
        assertTrue(state(handInstalled, "six").installed(), handInstalled.toString());
        assertEquals(built.builtAt(), handInstalled.builtAt());

        // another wanted list: built again from nothing (idna is gone)
        PythonEnvironment.Status rebuilt = ensure(dir, List.of("six"));
        assertFalse(rebuilt.reused());
        assertNotEquals(built.builtAt(), rebuilt.builtAt());
        assertTrue(progress().startsWith("noctua: the wanted Python packages changed (python.packages): rebuilding " + dir), progress());
        assertEquals(List.of("six"), rebuilt.packages().stream().map(PythonEnvironment.PackageState::name).toList());
        assertEquals(List.of(), rebuilt.missing());
        assertTrue(rebuilt.sparkHint().contains("which python.packages does not list"), rebuilt.sparkHint());
        assertNotEquals(0, Commands.run(List.of(dir.resolve("bin/python").toString(), "-c", "import idna"), Map.of(), Duration.ofMinutes(1)).exitCode());
    }

    @Test
    void aBuildThatWasInterruptedIsBuiltAgain() throws IOException {
        Path dir = TestingServer.temporaryDirectory("noctua-env-").resolve("python-env");
        PythonEnvironment.Status first = ensure(dir, List.of("six"));
        assertTrue(state(first, "six").installed(), first.toString());

        // as a build killed before its end leaves it: a venv, some packages, no record
        Files.delete(dir.resolve(PythonEnvironment.RECORD));
        Files.writeString(dir.resolve("half-written"), "x");
        PythonEnvironment.Status again = ensure(dir, List.of("six"));
        assertFalse(again.reused());
        assertNotEquals(first.builtAt(), again.builtAt());
        assertTrue(progress().startsWith("noctua: removing an unfinished Python environment in " + dir), progress());
        assertFalse(Files.exists(dir.resolve("half-written")));
        assertTrue(state(again, "six").installed(), again.toString());
        assertTrue(Files.exists(dir.resolve(PythonEnvironment.RECORD)));
    }

    @Test
    void twoStartsOnOneDirectoryBuildItOnce() {
        Path dir = TestingServer.temporaryDirectory("noctua-env-").resolve("python-env");
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        CompletableFuture<PythonEnvironment.Status> one = CompletableFuture.supplyAsync(() -> new PythonEnvironment(dir, "python3", List.of("six"), quiet).ensure());
        CompletableFuture<PythonEnvironment.Status> two = CompletableFuture.supplyAsync(() -> new PythonEnvironment(dir, "python3", List.of("six"), quiet).ensure());

        assertEquals(one.join().builtAt(), two.join().builtAt());
        assertTrue(one.join().reused() != two.join().reused(), "one builds, the other waits for it and reuses it");
        assertTrue(Files.exists(dir.resolveSibling("python-env.lock")));
    }

    @Test
    void aDirectoryThatIsNotAnEnvironmentIsNeverDeleted() throws IOException {
        Path dir = TestingServer.temporaryDirectory("noctua-env-mine-");
        Files.writeString(dir.resolve("notes.txt"), "mine");
        PythonEnvironment.Status status = ensure(dir, List.of("six"));

        assertEquals(dir + " exists and is not a Python environment (it has no pyvenv.cfg): set python.environment to another directory,"
                + " or empty this one", status.problem());
        assertTrue(Files.exists(dir.resolve("notes.txt")));
        assertTrue(status.describe().startsWith("unavailable: " + dir + " exists"), status.describe());
    }

    @Test
    void withoutABaseInterpreterOrItsVenvModuleThereIsNoEnvironmentAndTheProblemIsNamed() throws IOException {
        Path dir = TestingServer.temporaryDirectory("noctua-env-").resolve("python-env");
        PythonEnvironment.Status noPython = new PythonEnvironment(dir, "/nonexistent/python3", List.of("six"),
                new PrintStream(progress, true, StandardCharsets.UTF_8)).ensure();
        assertTrue(noPython.problem().startsWith("python.base-executable '/nonexistent/python3' could not be started ("), noPython.problem());
        assertFalse(noPython.usable());
        assertNull(noPython.sparkHint());

        // what Debian's python3 without python3-venv says
        Path debianPython = TestingServer.temporaryDirectory("noctua-fake-python-").resolve("python3");
        Files.writeString(debianPython, "#!/bin/sh\necho 'The virtual environment was not created successfully because ensurepip is not\n"
                + "available.  On Debian/Ubuntu systems, you need to install the python3-venv package' >&2\nexit 1\n");
        Files.setPosixFilePermissions(debianPython, PosixFilePermissions.fromString("rwxr-xr-x"));
        PythonEnvironment.Status noVenv = new PythonEnvironment(dir, debianPython.toString(), List.of("six"),
                new PrintStream(progress, true, StandardCharsets.UTF_8)).ensure();
        assertEquals("'" + debianPython + " -m venv " + dir + "' failed (available.  On Debian/Ubuntu systems, you need to install the python3-venv"
                + " package): this Python lacks its venv module (on Debian and Ubuntu: apt-get install python3-venv); or set python.executable"
                + " to a Python to use as it is", noVenv.problem());
    }

    @Test
    void aServerRunsPythonInTheEnvironmentItBuiltAndTellsTheWorkerWhySparkIsMissing() throws IOException {
        Path environment = TestingServer.temporaryDirectory("noctua-env-server-").resolve("python-env");
        try (TestingServer server = TestingServer.start(TestingServer.temporaryDirectory("noctua-env-data-"), Map.of(
                "python.executable", "", "python.environment", environment.toString(), "python.packages", "six," + PYSPARK))) {
            PythonEnvironment.Status status = server.server().pythonEnvironment().orElseThrow();
            assertTrue(state(status, "six").installed(), status.toString());
            AthenaClient client = server.client();
            String sessionId = Athena.startIdleSession(client);

            GetCalculationExecutionResponse prefix = server.runCompleted(sessionId, "import sys, six\nprint(sys.prefix)");
            assertEquals(environment.toString(), server.readResult(prefix.result().stdOutS3Uri()).strip());

            if (state(status, "pyspark").installed()) {
                return; // an index that serves pyspark: spark is bound, PySparkCalculationTest's matter
            }
            GetCalculationExecutionResponse hint = server.runCompleted(sessionId, "import os\nprint(os.environ['NOCTUA_SPARK_HINT'], end='')");
            assertEquals(status.sparkHint(), server.readResult(hint.result().stdOutS3Uri()));
            assertTrue(server.server().pythonDescription().contains("until then Python calculations have no 'spark'"),
                    server.server().pythonDescription());

            GetCalculationExecutionResponse noSpark = Athena.run(client, sessionId, "spark.range(1).count()");
            assertEquals(CalculationExecutionState.FAILED, noSpark.status().state());
            String stderr = server.readResult(noSpark.result().stdErrorS3Uri());
            assertTrue(stderr.contains("NameError: name 'spark' is not defined"), stderr);
            if (workerReadsTheHint()) {
                assertTrue(stderr.contains(status.sparkHint()), stderr);
            }
        }
    }

    @Test
    void withoutAnEnvironmentPythonCalculationsFailWithTheReasonAndSqlStillRuns() {
        try (TestingServer server = TestingServer.start(TestingServer.temporaryDirectory("noctua-env-data-"), Map.of(
                "python.executable", "", "python.base-executable", "/nonexistent/python3", "python.packages", "six"))) {
            assertTrue(server.server().pythonDescription().startsWith("unavailable: python.base-executable '/nonexistent/python3' could not be started"),
                    server.server().pythonDescription());
            AthenaClient client = server.client();
            String sessionId = Athena.startIdleSession(client);
            GetCalculationExecutionResponse done = Athena.run(client, sessionId, "print(1)");

            assertEquals(CalculationExecutionState.FAILED, done.status().state());
            assertTrue(done.status().stateChangeReason().startsWith("Python calculations cannot run: the Python environment could not be built:"
                    + " python.base-executable '/nonexistent/python3' could not be started"), done.status().stateChangeReason());
            assertEquals(CalculationExecutionState.COMPLETED, Athena.run(client, sessionId, "%%sql\nSELECT 1").status().state());
        }
    }

    @Test
    void theTestsFullEnvironmentHasAthenasLibrariesWithVersionsPysparkTakes() {
        String python = PythonEnvironments.full();
        PythonEnvironment.Status status = PythonEnvironments.fullStatus();
        for (String name : List.of("pandas", "numpy", "pyarrow", "matplotlib", "seaborn", "plotly", "scipy", "ipython", "boto3")) {
            assertTrue(state(status, name).installed(), name + ": " + status);
        }
        assertTrue(state(status, "numpy").version().startsWith("1."), status.toString());
        assertTrue(state(status, "pandas").version().startsWith("2."), status.toString());
        Commands.Result imports = Commands.run(List.of(python, "-c",
                "import pandas, numpy, pyarrow, matplotlib, seaborn, plotly, scipy, IPython, boto3; print(pandas.__version__)"),
                Map.of("MPLBACKEND", "Agg"), Duration.ofMinutes(2));
        assertEquals(0, imports.exitCode(), imports.toString());
        assertEquals(state(status, "pandas").version(), imports.stdout().strip());
    }

    /** Whether the worker program appends NOCTUA_SPARK_HINT to its NameError yet (another change teaches it that). */
    private static boolean workerReadsTheHint() throws IOException {
        try (InputStream in = PythonWorkers.class.getResourceAsStream("/io/noctua/engine/python/noctua_worker.py")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).contains("NOCTUA_SPARK_HINT");
        }
    }
}
