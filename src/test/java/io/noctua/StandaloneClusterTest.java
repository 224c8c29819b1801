package io.noctua;

import io.noctua.testing.Athena;
import io.noctua.testing.LauncherJar;
import io.noctua.testing.Pyspark;
import io.noctua.testing.ServerProcess;
import io.noctua.testing.TestingS3;
import io.noctua.testing.TestingServer;
import io.noctua.testing.TestingSparkCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.ExecutorState;
import software.amazon.awssdk.services.athena.model.ExecutorType;
import software.amazon.awssdk.services.athena.model.ExecutorsSummary;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.noctua.testing.Athena.LONG_SQL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Noctua on a real Spark standalone cluster ({@link TestingSparkCluster}: a Master and a Worker of one core):
 * calculations' tasks run on the Worker's executor, ListExecutors shows it, Stop cancels its jobs, and
 * {@code s3://} goes through S3A to the suite's separate S3 server. The server is a JVM of its own (a JVM holds
 * one SparkContext, and the other tests share a local one), started from a jar, as Noctua ships the jar its
 * classes come from to the executors.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterTest {
    /** The executor's id, from its JVM's command line ({@code CoarseGrainedExecutorBackend ... --executor-id N}); empty in the driver. */
    private static final String EXECUTOR_ID = "regexp_extract(reflect('java.lang.System', 'getProperty', 'sun.java.command'), "
            + "'--executor-id ([0-9]+)', 1)";
    private static final String BUCKET = "noctua-cluster-data";

    private static ServerProcess server;
    private static AthenaClient athena;
    private static String sessionId;
    private static GetCalculationExecutionResponse firstSql;

    @BeforeAll
    static void startServerOnTheCluster() throws IOException {
        TestingSparkCluster cluster = TestingSparkCluster.shared();
        Path dir = TestingServer.temporaryDirectory("noctua-cluster-");
        Path jar = LauncherJar.write(Files.createDirectories(dir.resolve("jar")));
        Map<String, String> settings = new HashMap<>(TestingS3.shared().serverSettings());
        settings.putAll(cluster.driverSettings());
        settings.put("spark.sql.shuffle.partitions", "2");
        server = ServerProcess.startFromJar(jar, Files.createDirectories(dir.resolve("data")), settings);
        cluster.awaitWorker(); // while the server starts
        athena = server.client();
        sessionId = server.startIdleSession(athena);
        TestingS3.shared().createBucket(BUCKET);
    }

    @AfterAll
    static void stopServer() {
        if (athena != null) {
            athena.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static GetCalculationExecutionResponse runCompleted(String code) {
        GetCalculationExecutionResponse done = Athena.run(athena, sessionId, code);
        assertEquals(CalculationExecutionState.COMPLETED, done.status().state(),
                () -> done.status().stateChangeReason() + "\n" + read(done.result().stdErrorS3Uri()));
        return done;
    }

    private static String read(String s3Uri) {
        return TestingS3.shared().read(s3Uri);
    }

    /** The executor ids a {@code %%sql} result's only column shows (one per line of its table). */
    private static List<String> executorIds(String shown) {
        Matcher matcher = Pattern.compile("^\\|\\s*(\\d*)\\|$", Pattern.MULTILINE).matcher(shown);
        return matcher.results().map(m -> m.group(1)).toList();
    }

    @Test
    void sqlTasksRunOnTheWorkersExecutorWhichListExecutorsShows() {
        GetCalculationExecutionResponse done = runCompleted("%%sql\nSELECT DISTINCT " + EXECUTOR_ID + " AS executor FROM range(0, 4, 1, 4)");
        String shown = read(done.result().stdOutS3Uri());
        List<String> executors = executorIds(shown);
        assertEquals(1, executors.size(), shown);
        String executor = executors.get(0);
        assertFalse(executor.isEmpty(), "the tasks ran in the driver, not on an executor:\n" + shown);
        assertTrue(done.statistics().dpuExecutionInMillis() > 0, done.statistics().toString());

        List<ExecutorsSummary> listed = athena.listExecutors(r -> r.sessionId(sessionId)).executorsSummary();
        assertTrue(listed.stream().anyMatch(e -> e.executorType() == ExecutorType.COORDINATOR && e.executorState() == ExecutorState.REGISTERED),
                listed.toString());
        assertTrue(listed.stream().anyMatch(e -> e.executorType() == ExecutorType.WORKER && e.executorId().equals(executor)
                && e.executorState() == ExecutorState.REGISTERED && e.terminationDateTime() == null), listed.toString());
    }

    @Test
    void pythonCalculationsComplete() {
        GetCalculationExecutionResponse plain = runCompleted("print(6 * 7)");
        assertEquals("42\n", read(plain.result().stdOutS3Uri()));
        if (Pyspark.missing() == null) {
            GetCalculationExecutionResponse done = runCompleted(
                    "print(sorted({r[0] for r in spark.sql(\"SELECT " + EXECUTOR_ID.replace("'", "\\'") + " FROM range(0, 4, 1, 4)\").collect()}))");
            String printed = read(done.result().stdOutS3Uri());
            assertTrue(printed.matches("\\['\\d+'\\]\\n"), "the tasks of a Python cell ran elsewhere than on an executor: " + printed);
        }
    }

    @Test
    void pysparkUdfsRunInTheExecutorsPython() {
        assumeTrue(Pyspark.missing() == null, () -> "skipped: " + Pyspark.missing());
        // the UDF's Python process descends from the JVM that ran its task: an executor, not the server
        String code = """
                from pyspark.sql.functions import udf
                @udf("string")
                def runner(_):
                    import os
                    pid = os.getpid()
                    for _ in range(4):
                        with open('/proc/%d/stat' % pid) as stat:
                            pid = int(stat.read().rsplit(')', 1)[1].split()[1])
                        with open('/proc/%d/cmdline' % pid, 'rb') as cmdline:
                            if b'CoarseGrainedExecutorBackend' in cmdline.read():
                                return 'executor'
                    return 'elsewhere'
                print(sorted({r[0] for r in spark.range(4).select(runner('id')).collect()}))
                """;
        GetCalculationExecutionResponse done = runCompleted(code);
        assertEquals("['executor']\n", read(done.result().stdOutS3Uri()));
    }

    @Test
    void stopCancelsTheJobOnTheExecutor() {
        String calculation = Athena.startCalculation(athena, sessionId, LONG_SQL);
        Athena.awaitCalculationState(athena, calculation, CalculationExecutionState.RUNNING);
        Athena.sleep(2000); // the executor is up: its task starts sleeping within milliseconds
        Athena.assertStopCancels(athena, sessionId, calculation);
        // the Worker has one core: a job completes now only if the sleeping task was really killed
        long begin = System.nanoTime();
        runCompleted("%%sql\nSELECT count(*) FROM range(0, 10, 1, 2)");
        Duration took = Duration.ofNanos(System.nanoTime() - begin);
        assertTrue(took.toSeconds() < 20, "the next job waited " + took + ": the stopped task still holds the executor's core");
    }

    @Test
    void s3PathsAreReadAndWrittenFromExecutorsThroughTheS3Store() {
        TestingS3.shared().put("s3://" + BUCKET + "/people/people.csv", "ada,36\nalan,41\ngrace,85\n");
        GetCalculationExecutionResponse read = runCompleted("%%sql\nSELECT count(*) AS n, sum(CAST(_c1 AS INT)) AS ages FROM csv.`s3://" + BUCKET
                + "/people/people.csv`");
        assertTrue(read(read.result().stdOutS3Uri()).contains("|  3| 162|"), read(read.result().stdOutS3Uri()));

        GetCalculationExecutionResponse written = runCompleted("%%sql\nCREATE TABLE cluster_squares USING parquet LOCATION 's3://" + BUCKET
                + "/squares' AS SELECT id, id * id AS square FROM range(0, 100, 1, 1);\nSELECT sum(square) AS total FROM cluster_squares");
        assertTrue(read(written.result().stdOutS3Uri()).contains("|328350|"), read(written.result().stdOutS3Uri()));
        List<String> keys = TestingS3.shared().keys(BUCKET, "squares/");
        assertTrue(keys.stream().anyMatch(key -> key.endsWith(".parquet")), keys.toString());
    }

    /**
     * The executor's JVM dies under a running calculation (as when its machine goes): Spark runs the lost task
     * again on the executor the Worker starts in its place, the calculation completes, and ListExecutors shows
     * the lost executor FAILED. Last, as it replaces the executor the other tests use.
     */
    @Test
    @Order(Integer.MAX_VALUE)
    void aLostExecutorsTasksRunAgainAndItIsListedFailed() {
        ProcessHandle executor = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend")
                        && p.info().commandLine().orElse("").contains(TestingSparkCluster.shared().sparkHome().toString()))
                .findFirst().orElseThrow(() -> new AssertionError("no executor JVM of the test cluster"));
        String calculation = Athena.startCalculation(athena, sessionId,
                "%%sql\nSELECT count(s) AS n FROM (SELECT reflect('java.lang.Thread', 'sleep', cast(3000 as bigint)) AS s FROM range(0, 2, 1, 2))");
        Athena.awaitCalculationState(athena, calculation, CalculationExecutionState.RUNNING);
        Athena.sleep(1000);
        executor.destroyForcibly();

        GetCalculationExecutionResponse done = Athena.awaitCalculation(athena, calculation);
        assertEquals(CalculationExecutionState.COMPLETED, done.status().state(), () -> done.status().toString());
        assertTrue(read(done.result().stdOutS3Uri()).contains("|  2|"), read(done.result().stdOutS3Uri()));
        List<ExecutorsSummary> listed = athena.listExecutors(r -> r.sessionId(sessionId)).executorsSummary();
        assertTrue(listed.stream().anyMatch(e -> e.executorType() == ExecutorType.WORKER && e.executorState() == ExecutorState.FAILED
                && e.terminationDateTime() != null), listed.toString());
        assertTrue(listed.stream().anyMatch(e -> e.executorType() == ExecutorType.WORKER && e.executorState() == ExecutorState.REGISTERED),
                listed.toString());
    }
}
