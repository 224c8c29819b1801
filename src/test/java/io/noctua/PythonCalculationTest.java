package io.noctua;

import io.noctua.testing.Athena;
import io.noctua.testing.Pyspark;
import io.noctua.testing.ServerExtension;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;
import software.amazon.awssdk.services.athena.model.SessionState;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Python cells in the session's worker, through the AWS SDK for Java v2 (plain Python: no pyspark needed). */
class PythonCalculationTest {
    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private final TestingServer server = running.server();
    private final AthenaClient athena = running.client();

    private String stdout(GetCalculationExecutionResponse done) {
        return server.readResult(done.result().stdOutS3Uri());
    }

    private String stderr(GetCalculationExecutionResponse done) {
        return server.readResult(done.result().stdErrorS3Uri());
    }

    @Test
    void stdoutIsExactlyWhatTheCodePrinted() {
        String sessionId = Athena.startIdleSession(athena);
        GetCalculationExecutionResponse done = Athena.run(athena, sessionId, "print('a')\nprint(1 + 1, end='')\nimport sys\nsys.stdout.write(' é\\n')");

        assertEquals(CalculationExecutionState.COMPLETED, done.status().state());
        assertEquals("a\n2 é\n", stdout(done));
        assertEquals("", stderr(done));
        assertTrue(done.statistics().dpuExecutionInMillis() > 0);
        assertTrue(done.statistics().progress().startsWith("100%"), done.statistics().progress());
    }

    @Test
    void variablesLiveOnInTheSessionAndOnlyThere() {
        String sessionId = Athena.startIdleSession(athena);
        Athena.run(athena, sessionId, "answer = 41\ndef bump(x):\n    return x + 1");
        assertEquals("42\n", stdout(Athena.run(athena, sessionId, "print(bump(answer))")));

        String other = Athena.startIdleSession(athena);
        assertEquals(CalculationExecutionState.FAILED, Athena.run(athena, other, "print(answer)").status().state());
    }

    @Test
    void anExceptionFailsTheCalculationWithAthenasStderr() {
        String sessionId = Athena.startIdleSession(athena);
        GetCalculationExecutionResponse done = Athena.run(athena, sessionId, "\nfoobar\n");

        assertEquals(CalculationExecutionState.FAILED, done.status().state());
        assertEquals("File \"<stdin>\", line 2, in <module>\nNameError: name 'foobar' is not defined", stderr(done).strip());
        assertEquals("NameError: name 'foobar' is not defined", done.status().stateChangeReason());
        assertEquals(SessionState.IDLE, athena.getSessionStatus(r -> r.sessionId(sessionId)).status().state());
    }

    @Test
    void framesAreTheSubmittedCodesOnly() {
        String sessionId = Athena.startIdleSession(athena);
        GetCalculationExecutionResponse done = Athena.run(athena, sessionId, "def f():\n    return 1 / 0\nf()");

        assertEquals("  File \"<stdin>\", line 3, in <module>\n  File \"<stdin>\", line 2, in f\nZeroDivisionError: division by zero\n",
                stderr(done));
    }

    @Test
    void syntaxErrorsSystemExitAndKeyboardInterruptAreClearFailures() {
        String sessionId = Athena.startIdleSession(athena);
        GetCalculationExecutionResponse syntax = Athena.run(athena, sessionId, "x = = 1");
        assertEquals(CalculationExecutionState.FAILED, syntax.status().state());
        assertEquals("  File \"<stdin>\", line 1\n    x = = 1\n        ^\nSyntaxError: invalid syntax\n", stderr(syntax));

        GetCalculationExecutionResponse exit = Athena.run(athena, sessionId, "import sys\nsys.exit(3)");
        assertEquals(CalculationExecutionState.FAILED, exit.status().state());
        assertEquals("SystemExit: 3", exit.status().stateChangeReason());

        GetCalculationExecutionResponse interrupt = Athena.run(athena, sessionId, "raise KeyboardInterrupt");
        assertEquals(CalculationExecutionState.FAILED, interrupt.status().state());
        assertEquals("KeyboardInterrupt", interrupt.status().stateChangeReason());

        assertEquals("still here\n", stdout(Athena.run(athena, sessionId, "print('still here')")), "the session's Python survives them all");
    }

    @Test
    void aTrailingExpressionIsTheResultAndIsNotPrinted() {
        String sessionId = Athena.startIdleSession(athena);
        GetCalculationExecutionResponse done = Athena.run(athena, sessionId, "print('side')\n{'a': [1, 2]}");

        assertEquals("side\n", stdout(done));
        assertEquals("{\"text/plain\":\"{'a': [1, 2]}\"}", server.readResult(done.result().resultS3Uri() + "result.json"));
        assertEquals("{}", server.readResult(Athena.run(athena, sessionId, "x = 1").result().resultS3Uri() + "result.json"));
        assertEquals("{}", server.readResult(Athena.run(athena, sessionId, "None").result().resultS3Uri() + "result.json"));
    }

    @Test
    void sparkWithoutPysparkSaysHowToEnableIt() {
        assumeTrue(Pyspark.missing() != null, "python3 can import pyspark here, so spark is bound");
        String sessionId = Athena.startIdleSession(athena);
        GetCalculationExecutionResponse done = Athena.run(athena, sessionId, "spark.sql('SELECT 1')");

        assertEquals(CalculationExecutionState.FAILED, done.status().state());
        assertTrue(stderr(done).contains("NameError: name 'spark' is not defined (Noctua binds 'spark' and 'sc' to the session's "
                + "SparkSession when this Python can import pyspark 3.5: pip install 'pyspark==3.5.*')"), stderr(done));
    }

    @Test
    void stopInterruptsASleepAndTheNamespaceSurvives() {
        String sessionId = Athena.startIdleSession(athena);
        Athena.run(athena, sessionId, "kept = 'yes'");
        assertStopEndsIt(sessionId, "import time\nprint('before')\ntime.sleep(600)");
        assertEquals("yes\n", stdout(Athena.run(athena, sessionId, "print(kept)")));
    }

    @Test
    void stopInterruptsABusyLoop() {
        String sessionId = Athena.startIdleSession(athena);
        Athena.run(athena, sessionId, "n = 0"); // the worker has started: the stop reaches the loop, not the start
        assertStopEndsIt(sessionId, "while True:\n    n += 1");
        assertTrue(Integer.parseInt(stdout(Athena.run(athena, sessionId, "print(n)")).strip()) > 0);
    }

    @Test
    void codeThatIgnoresInterruptsIsStoppedByReplacingTheWorker() {
        String sessionId = Athena.startIdleSession(athena);
        Athena.run(athena, sessionId, "lost = True");
        assertStopEndsIt(sessionId, "while True:\n    try:\n        while True:\n            pass\n    except KeyboardInterrupt:\n        pass");

        var session = athena.getSession(r -> r.sessionId(sessionId));
        assertEquals(SessionState.IDLE, session.status().state());
        assertTrue(session.status().stateChangeReason().startsWith("The session's Python worker was replaced"), session.status().stateChangeReason());
        assertEquals(CalculationExecutionState.FAILED, Athena.run(athena, sessionId, "print(lost)").status().state(), "a new namespace");
    }

    private void assertStopEndsIt(String sessionId, String code) {
        String calculationId = Athena.startCalculation(athena, sessionId, code);
        Athena.awaitCalculationState(athena, calculationId, CalculationExecutionState.RUNNING);
        Athena.sleep(300);
        Athena.assertStopCancels(athena, sessionId, calculationId);
    }

    @Test
    void aWorkerThatDiesFailsItsCalculationAndTheSessionGetsANewOne() {
        String sessionId = Athena.startIdleSession(athena);
        Athena.run(athena, sessionId, "gone = 1");
        GetCalculationExecutionResponse crashed = Athena.run(athena, sessionId, "import os\nos._exit(7)");

        assertEquals(CalculationExecutionState.FAILED, crashed.status().state());
        assertEquals("The session's Python worker exited with code 7", crashed.status().stateChangeReason());
        var session = athena.getSession(r -> r.sessionId(sessionId));
        assertEquals(SessionState.IDLE, session.status().state());
        assertTrue(session.status().stateChangeReason().contains("variables defined by earlier calculations are gone"));
        assertEquals("fresh\n", stdout(Athena.run(athena, sessionId, "print('fresh')")));
        assertEquals(CalculationExecutionState.FAILED, Athena.run(athena, sessionId, "gone").status().state());
    }

    @Test
    void aMissingInterpreterFailsPythonCalculationsWithAReasonAndSqlStillRuns() {
        try (TestingServer noPython = TestingServer.start(TestingServer.temporaryDirectory("noctua-nopython-"),
                Map.of("python.executable", "/nonexistent/python3", "python.warm-workers", "0"))) {
            AthenaClient client = noPython.client();
            String sessionId = Athena.startIdleSession(client);
            GetCalculationExecutionResponse done = Athena.run(client, sessionId, "print(1)");

            assertEquals(CalculationExecutionState.FAILED, done.status().state());
            assertTrue(done.status().stateChangeReason().startsWith(
                    "Python calculations need a Python 3 interpreter: '/nonexistent/python3' could not be started"), done.status().stateChangeReason());
            assertEquals(CalculationExecutionState.COMPLETED, Athena.run(client, sessionId, "%%sql\nSELECT 1").status().state());
        }
    }

    @Test
    void athenasLineMagicsShowTheSession() {
        String sessionId = Athena.startIdleSession(athena);
        assertEquals(sessionId + "\n", stdout(Athena.run(athena, sessionId, "%session_id")));

        String status = stdout(Athena.run(athena, sessionId, "x = 1\n%status"));
        assertTrue(status.contains("Session ID:     " + sessionId + "\n"), status);
        assertTrue(status.contains("State:          BUSY\n"), status);
        assertTrue(status.contains("Workgroup:      spark\n"), status);
        assertTrue(status.contains("Engine version: PySpark engine version 3\n"), status);

        String listed = stdout(Athena.run(athena, sessionId, "%list_sessions"));
        assertTrue(listed.startsWith("Session ID"), listed);
        assertTrue(listed.contains(sessionId + "  BUSY"), listed);

        String help = stdout(Athena.run(athena, sessionId, "%help"));
        for (String magic : new String[] {"%help", "%list_sessions", "%lsmagic", "%session_id", "%set_log_level", "%status", "%table", "%matplot",
                "%plotly", "%%sql"}) {
            assertTrue(help.contains(magic), magic + " missing from " + help);
        }
        assertTrue(stdout(Athena.run(athena, sessionId, "%lsmagic")).contains("%%sql"));
    }

    @Test
    void unknownOrMisplacedMagicsAreClearErrors() {
        String sessionId = Athena.startIdleSession(athena);
        GetCalculationExecutionResponse unknown = Athena.run(athena, sessionId, "print('ran')\n%nosuchmagic df");
        assertEquals(CalculationExecutionState.FAILED, unknown.status().state());
        // Noctua's words without IPython; IPython's (the same sentence) where the worker's Python has it
        assertTrue(unknown.status().stateChangeReason().startsWith("UsageError: Line magic function `%nosuchmagic` not found"),
                unknown.status().stateChangeReason());
        assertEquals("ran\n", stdout(unknown));

        GetCalculationExecutionResponse misplaced = Athena.run(athena, sessionId, "x = 1\n%%sql\nSELECT 1");
        assertEquals("UsageError: %%sql must be the first line of the cell: the whole cell is then Spark SQL",
                misplaced.status().stateChangeReason());

        GetCalculationExecutionResponse level = Athena.run(athena, sessionId, "%set_log_level LOUD");
        assertTrue(level.status().stateChangeReason().startsWith("UsageError: %set_log_level takes one of ALL, DEBUG"),
                level.status().stateChangeReason());
    }
}
