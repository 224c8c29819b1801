package io.noctua;

import io.noctua.testing.Athena;
import io.noctua.testing.ServerExtension;
import io.noctua.testing.TestingServer;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.CalculationSummary;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;
import software.amazon.awssdk.services.athena.model.InvalidRequestException;
import software.amazon.awssdk.services.athena.model.ListCalculationExecutionsResponse;
import software.amazon.awssdk.services.athena.model.SessionState;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static io.noctua.testing.Athena.LONG_SQL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Calculations end to end through the AWS SDK for Java v2, on real Spark. */
class CalculationApiTest {
    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private final TestingServer server = running.server();
    private final AthenaClient athena = running.client();

    @Test
    void sqlCellCompletesWithTheTableAsShowPrintsItAndEveryResultField() {
        String sessionId = Athena.startIdleSession(athena);
        GetCalculationExecutionResponse done = Athena.run(athena, sessionId,
                "%%sql\nSELECT 1 AS one, 'a string longer than twenty characters' AS s");

        assertEquals(CalculationExecutionState.COMPLETED, done.status().state());
        assertNull(done.status().stateChangeReason());
        assertTrue(done.statistics().dpuExecutionInMillis() > 0);
        assertTrue(done.statistics().progress().startsWith("100%"), done.statistics().progress());
        String folder = "s3://noctua-results/session/" + sessionId + "/" + done.calculationExecutionId() + "/";
        assertEquals(folder + "stdout", done.result().stdOutS3Uri());
        assertEquals(folder + "stderr", done.result().stdErrorS3Uri());
        assertEquals(folder + "result/", done.result().resultS3Uri());
        assertEquals("application/vnd.aws.athena.v1+json", done.result().resultType());
        assertEquals("""
                +---+--------------------+
                |one|                   s|
                +---+--------------------+
                |  1|a string longer t...|
                +---+--------------------+

                """, server.readResult(done.result().stdOutS3Uri()));
        assertEquals("", server.readResult(done.result().stdErrorS3Uri()));
        assertTrue(server.readResult(done.result().resultS3Uri() + "result.json").contains("a string longer t..."));
        assertEquals(SessionState.IDLE, athena.getSessionStatus(r -> r.sessionId(sessionId)).status().state());
    }

    @Test
    void aSelectOfLiteralsRunsNoSparkJobAndShowsEachType() {
        Set<String> groupsWithJobs = ConcurrentHashMap.newKeySet();
        SparkListener listener = new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart event) {
                groupsWithJobs.add(String.valueOf(event.properties().getProperty("spark.jobGroup.id")));
            }
        };
        String sessionId = Athena.startIdleSession(athena);
        TestingServer.sharedEngine().awaitReady(Duration.ofMinutes(2));
        SparkContext spark = SparkContext.getOrCreate(); // the shared engine's
        spark.addSparkListener(listener);
        try {
            GetCalculationExecutionResponse literals = Athena.run(athena, sessionId,
                    "%%sql\nSELECT 1 AS i, 'x' AS s, NULL AS n, DATE '2024-02-29' AS d, 1.5D AS f, 2.50 AS dec, array(1, 2) AS a, "
                            + "upper('folded') AS u, current_date() = current_date() AS t");
            GetCalculationExecutionResponse random = Athena.run(athena, sessionId, "%%sql\nSELECT rand() AS r");

            assertEquals(CalculationExecutionState.COMPLETED, literals.status().state(), literals.status().stateChangeReason());
            assertEquals("""
                    +---+---+----+----------+---+----+------+------+----+
                    |  i|  s|   n|         d|  f| dec|     a|     u|   t|
                    +---+---+----+----------+---+----+------+------+----+
                    |  1|  x|NULL|2024-02-29|1.5|2.50|[1, 2]|FOLDED|true|
                    +---+---+----+----------+---+----+------+------+----+

                    """, server.readResult(literals.result().stdOutS3Uri()));
            assertTrue(literals.statistics().progress().startsWith("100%"), literals.statistics().progress());
            assertTrue(server.readResult(random.result().stdOutS3Uri()).matches("(?s).*\\|0\\.[0-9]+\\|.*"));
            // rand() is not a literal: Spark plans it as it always did, a job of one task
            Athena.await(() -> groupsWithJobs.contains(random.calculationExecutionId()), "the job of rand()", Duration.ofSeconds(10));
            assertFalse(groupsWithJobs.contains(literals.calculationExecutionId()), "a select of literals ran a Spark job");
        }
        finally {
            spark.removeSparkListener(listener);
        }
    }

    @Test
    void failingSqlIsFailedWithSparksMessageInStderr() {
        String sessionId = Athena.startIdleSession(athena);
        GetCalculationExecutionResponse done = Athena.run(athena, sessionId, "%%sql\nSELECT * FROM no_such_table");

        assertEquals(CalculationExecutionState.FAILED, done.status().state());
        assertTrue(done.status().stateChangeReason().contains("TABLE_OR_VIEW_NOT_FOUND"), done.status().stateChangeReason());
        String stderr = server.readResult(done.result().stdErrorS3Uri());
        assertTrue(stderr.startsWith("AnalysisException: [TABLE_OR_VIEW_NOT_FOUND] The table or view `no_such_table` cannot be found."), stderr);
        assertEquals(SessionState.IDLE, athena.getSessionStatus(r -> r.sessionId(sessionId)).status().state());
    }

    @Test
    void severalStatementsRunInOrderAndShowEachResult() {
        String sessionId = Athena.startIdleSession(athena);
        GetCalculationExecutionResponse done = Athena.run(athena, sessionId,
                "%%sql\nCREATE TEMPORARY VIEW v AS SELECT 'x;y' AS t; -- a comment; with a semicolon\nSELECT t FROM v;");

        assertEquals(CalculationExecutionState.COMPLETED, done.status().state(), done.status().stateChangeReason());
        assertEquals("+---+\n|  t|\n+---+\n|x;y|\n+---+\n\n", server.readResult(done.result().stdOutS3Uri()));
    }

    @Test
    void progressComesFromSparkAndNeverGoesBackwards() {
        String sessionId = Athena.startIdleSession(athena);
        String calculationId = Athena.startCalculation(athena, sessionId,
                "%%sql\nSELECT k, count(*) FROM (SELECT id % 7 AS k, reflect('java.lang.Thread', 'sleep', cast(1 as bigint)) FROM range(0, 600, 1, 6)) GROUP BY k");
        List<Integer> seen = new ArrayList<>();
        CalculationExecutionState state;
        do {
            var status = athena.getCalculationExecutionStatus(r -> r.calculationExecutionId(calculationId));
            state = status.status().state();
            String progress = status.statistics().progress();
            seen.add(Integer.parseInt(progress.substring(0, progress.indexOf('%'))));
            Athena.sleep(10);
        }
        while (state != CalculationExecutionState.COMPLETED && state != CalculationExecutionState.FAILED);

        assertEquals(CalculationExecutionState.COMPLETED, state);
        for (int i = 1; i < seen.size(); i++) {
            assertTrue(seen.get(i) >= seen.get(i - 1), "progress went back: " + seen);
        }
        assertEquals(100, seen.get(seen.size() - 1));
        assertTrue(seen.stream().anyMatch(p -> p > 0 && p < 100), "no progress seen between 0 and 100: " + seen);
    }

    @Test
    void stopCancelsTheSparkJobAndTheSessionRunsTheNextCalculation() {
        String sessionId = Athena.startIdleSession(athena);
        String calculationId = Athena.startCalculation(athena, sessionId, LONG_SQL);
        Athena.awaitCalculationState(athena, calculationId, CalculationExecutionState.RUNNING);
        Athena.sleep(300); // let the Spark job start

        long begin = System.nanoTime();
        CalculationExecutionState answer = athena.stopCalculationExecution(r -> r.calculationExecutionId(calculationId)).state();
        GetCalculationExecutionResponse done = Athena.awaitCalculation(athena, calculationId);
        Duration took = Duration.ofNanos(System.nanoTime() - begin);

        assertEquals(CalculationExecutionState.CANCELING, answer);
        assertEquals(CalculationExecutionState.CANCELED, done.status().state());
        assertEquals("Stopped by StopCalculationExecution", done.status().stateChangeReason());
        assertTrue(took.toSeconds() < 10, "stop took " + took);
        assertEquals(SessionState.IDLE, athena.getSessionStatus(r -> r.sessionId(sessionId)).status().state());
        assertEquals(CalculationExecutionState.CANCELED,
                athena.stopCalculationExecution(r -> r.calculationExecutionId(calculationId)).state(), "a second stop changes nothing");
        assertEquals(CalculationExecutionState.COMPLETED, Athena.run(athena, sessionId, "%%sql\nSELECT 1").status().state());
    }

    @Test
    void aBusySessionRefusesWithAthenasExactMessage() {
        String sessionId = Athena.startIdleSession(athena);
        String calculationId = Athena.startCalculation(athena, sessionId, LONG_SQL);

        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> Athena.startCalculation(athena, sessionId, "%%sql\nSELECT 1"));
        assertEquals("Session is in the BUSY state; needs to be IDLE to accept Calculations.", e.awsErrorDetails().errorMessage());
        assertEquals("INVALID_INPUT", e.athenaErrorCode());
        assertEquals(SessionState.BUSY, athena.getSessionStatus(r -> r.sessionId(sessionId)).status().state());

        athena.stopCalculationExecution(r -> r.calculationExecutionId(calculationId));
        Athena.awaitCalculation(athena, calculationId);
    }

    @Test
    void listingIsNewestFirstWithPagingAndStateFilter() {
        String sessionId = Athena.startIdleSession(athena);
        List<String> started = new ArrayList<>();
        for (String code : List.of("%%sql\nSELECT 1", "%%sql\nSELECT nope", "%%sql\nSELECT 2")) {
            GetCalculationExecutionResponse done = Athena.run(athena, sessionId, code);
            started.add(0, done.calculationExecutionId());
        }

        List<String> paged = new ArrayList<>();
        String token = null;
        do {
            String next = token;
            ListCalculationExecutionsResponse page = athena.listCalculationExecutions(r -> r.sessionId(sessionId).maxResults(1).nextToken(next));
            assertTrue(page.calculations().size() <= 1);
            page.calculations().forEach(c -> paged.add(c.calculationExecutionId()));
            token = page.nextToken();
        }
        while (token != null);
        assertEquals(started, paged);

        List<CalculationSummary> completed = athena.listCalculationExecutions(r -> r.sessionId(sessionId)
                .stateFilter(CalculationExecutionState.COMPLETED)).calculations();
        assertEquals(List.of(started.get(0), started.get(2)), completed.stream().map(CalculationSummary::calculationExecutionId).toList());
        completed.forEach(c -> assertEquals(CalculationExecutionState.COMPLETED, c.status().state()));
    }

    @Test
    void codeIsReturnedExactlyAsSubmitted() {
        String sessionId = Athena.startIdleSession(athena);
        String code = "%%sql\n  SELECT 'é ✓ \\t' AS x  \n\n";
        String calculationId = Athena.run(athena, sessionId, code).calculationExecutionId();

        assertEquals(code, athena.getCalculationExecutionCode(r -> r.calculationExecutionId(calculationId)).codeBlock());
    }

    @Test
    void theDeprecatedCalculationConfigurationCodeBlockStillWorksButNotBesideCodeBlock() {
        String sessionId = Athena.startIdleSession(athena);
        String calculationId = athena.startCalculationExecution(r -> r.sessionId(sessionId)
                .calculationConfiguration(c -> c.codeBlock("%%sql\nSELECT 1"))).calculationExecutionId();
        assertEquals(CalculationExecutionState.COMPLETED, Athena.awaitCalculation(athena, calculationId).status().state());

        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> athena.startCalculationExecution(r -> r
                .sessionId(sessionId).codeBlock("%%sql\nSELECT 1").calculationConfiguration(c -> c.codeBlock("%%sql\nSELECT 2"))));
        assertEquals("CodeBlock and CalculationConfiguration.CodeBlock cannot both be set; use CodeBlock", e.awsErrorDetails().errorMessage());
    }

    @Test
    void aRepeatedClientRequestTokenReturnsTheFirstCalculationAndOtherParametersAreRefused() {
        String sessionId = Athena.startIdleSession(athena);
        String token = "calculation-token-0123456789abcdef";
        String first = athena.startCalculationExecution(r -> r.sessionId(sessionId).codeBlock("%%sql\nSELECT 1").clientRequestToken(token))
                .calculationExecutionId();
        Athena.awaitCalculation(athena, first);

        String again = athena.startCalculationExecution(r -> r.sessionId(sessionId).codeBlock("%%sql\nSELECT 1").clientRequestToken(token))
                .calculationExecutionId();
        assertEquals(first, again);
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> athena.startCalculationExecution(r -> r
                .sessionId(sessionId).codeBlock("%%sql\nSELECT 2").clientRequestToken(token)));
        assertEquals("IDEMPOTENT_PARAMETER_MISMATCH", e.athenaErrorCode());
        assertEquals(1, athena.listCalculationExecutions(r -> r.sessionId(sessionId)).calculations().size());
    }

    @Test
    void sessionsHaveTheirOwnTemporaryViewsAndSqlSettings() {
        String first = Athena.startIdleSession(athena);
        String second = Athena.startIdleSession(athena);
        Athena.run(athena, first, "%%sql\nCREATE TEMPORARY VIEW mine AS SELECT 42 AS answer");
        Athena.run(athena, first, "%%sql\nSET spark.sql.shuffle.partitions=3");

        assertEquals(CalculationExecutionState.COMPLETED, Athena.run(athena, first, "%%sql\nSELECT answer FROM mine").status().state());
        GetCalculationExecutionResponse other = Athena.run(athena, second, "%%sql\nSELECT answer FROM mine");
        assertEquals(CalculationExecutionState.FAILED, other.status().state());
        GetCalculationExecutionResponse setting = Athena.run(athena, second, "%%sql\nSET spark.sql.shuffle.partitions");
        String shown = server.readResult(setting.result().stdOutS3Uri());
        assertTrue(shown.contains("|spark.sql.shuffle...|    4|"), shown);
    }

    @Test
    void sessionDpuTimeAddsUpItsCalculations() {
        String sessionId = Athena.startIdleSession(athena);
        long first = Athena.run(athena, sessionId, "%%sql\nSELECT count(*) FROM range(1000)").statistics().dpuExecutionInMillis();
        long second = Athena.run(athena, sessionId, "%%sql\nSELECT 1").statistics().dpuExecutionInMillis();

        assertEquals(first + second, athena.getSession(r -> r.sessionId(sessionId)).statistics().dpuExecutionInMillis());
    }

    @Test
    void unknownCalculationsAreInvalidRequests() {
        String unknown = "00000000-0000-0000-0000-000000000000";
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> athena.getCalculationExecution(r -> r.calculationExecutionId(unknown)));
        assertEquals("Calculation " + unknown + " is not found.", e.awsErrorDetails().errorMessage());
        assertThrows(InvalidRequestException.class, () -> athena.getCalculationExecutionStatus(r -> r.calculationExecutionId(unknown)));
        assertThrows(InvalidRequestException.class, () -> athena.getCalculationExecutionCode(r -> r.calculationExecutionId(unknown)));
        assertThrows(InvalidRequestException.class, () -> athena.stopCalculationExecution(r -> r.calculationExecutionId(unknown)));
        assertThrows(InvalidRequestException.class, () -> athena.listCalculationExecutions(r -> r.sessionId(unknown)));
        assertNotEquals(0, e.awsErrorDetails().sdkHttpResponse().statusCode() - 200);
    }
}
