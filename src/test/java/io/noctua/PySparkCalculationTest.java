package io.noctua;

import io.noctua.testing.Athena;
import io.noctua.testing.Pyspark;
import io.noctua.testing.ServerExtension;
import io.noctua.testing.TestingS3;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code spark} in Python cells, bound to the Athena session's own SparkSession through PySpark.
 * Runs when python3 can import pyspark 3.5 ({@code pip install 'pyspark==3.5.*'}, or PYTHONPATH
 * pointing at pyspark's and py4j's sources); skipped with the reason printed otherwise.
 */
class PySparkCalculationTest {
    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private final TestingServer server = running.server();
    private final AthenaClient athena = running.client();

    @BeforeAll
    static void needsPyspark() {
        String missing = Pyspark.missing();
        if (missing != null) {
            System.out.println("PySparkCalculationTest skipped: " + missing);
        }
        assumeTrue(missing == null, missing);
    }

    private String stdout(GetCalculationExecutionResponse done) {
        return server.readResult(done.result().stdOutS3Uri());
    }

    @Test
    void dataFramesRunOnTheSessionsSparkWithProgressFromSpark() {
        String sessionId = Athena.startIdleSession(athena);
        GetCalculationExecutionResponse done = server.runCompleted(sessionId, "df = spark.range(5).selectExpr('id * 2 AS doubled')\ndf.show()\ndf.count()");

        assertEquals("+-------+\n|doubled|\n+-------+\n|      0|\n|      2|\n|      4|\n|      6|\n|      8|\n+-------+\n\n", stdout(done));
        assertEquals("{\"text/plain\":\"5\"}", server.readResult(done.result().resultS3Uri() + "result.json"));
        assertTrue(done.statistics().progress().matches("100% \\(\\d+/\\d+ tasks, .*"), done.statistics().progress());
    }

    @Test
    void temporaryViewsAreSharedWithSqlCellsOfTheSameSessionOnly() {
        String sessionId = Athena.startIdleSession(athena);
        server.runCompleted(sessionId, "spark.createDataFrame([(1, 'a'), (2, 'b')], ['n', 's']).createOrReplaceTempView('letters')");
        assertTrue(stdout(server.runCompleted(sessionId, "%%sql\nSELECT s FROM letters WHERE n = 2")).contains("|  b|"));
        assertEquals("[Row(total=3)]\n", stdout(server.runCompleted(sessionId, "print(spark.sql('SELECT sum(n) AS total FROM letters').collect())")));

        String other = Athena.startIdleSession(athena);
        assertEquals(CalculationExecutionState.FAILED, Athena.run(athena, other, "spark.table('letters').count()").status().state());
    }

    @Test
    void dataFramesWriteS3PathsAndTablesThatOtherSessionsRead() {
        TestingS3.shared().createBucket("pyspark-data");
        String writer = Athena.startIdleSession(athena);
        server.runCompleted(writer, "spark.range(6).selectExpr('id', 'id % 2 AS odd').write.mode('overwrite').parquet('s3://pyspark-data/numbers')\n"
                + "spark.range(4).write.mode('overwrite').saveAsTable('py_numbers')");

        String reader = Athena.startIdleSession(athena);
        assertEquals("3 4\n", stdout(server.runCompleted(reader,
                "print(spark.read.parquet('s3a://pyspark-data/numbers').where('odd = 1').count(), spark.table('py_numbers').count())")));
    }

    @Test
    void tablesMadeThroughTheSqlApiAreReadFromPySpark() {
        String database = "pysql_" + java.util.UUID.randomUUID().toString().substring(0, 8);
        String prefix = "s3://noctua-results/fixtures/" + database + "/";
        TestingS3.shared().put(prefix + "people/part-0.csv", "1,ada\n2,grace\n");
        for (String sql : new String[] {"CREATE DATABASE " + database,
                "CREATE EXTERNAL TABLE " + database + ".people (id INT, name STRING) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' "
                        + "LOCATION '" + prefix + "people/'",
                "CREATE TABLE " + database + ".ids WITH (format = 'PARQUET', external_location = '" + prefix + "ids/') AS SELECT id FROM "
                        + database + ".people"}) {
            Athena.querySucceeded(athena, sql);
        }
        String sessionId = Athena.startIdleSession(athena);
        assertEquals("['ada', 'grace'] 2\n", stdout(server.runCompleted(sessionId,
                "names = [r.name for r in spark.table('" + database + ".people').orderBy('id').collect()]\n"
                        + "print(names, spark.table('" + database + ".ids').count())")));
    }

    @Test
    void pythonUdfsRunInSparksPythonWorkers() {
        String sessionId = Athena.startIdleSession(athena);
        GetCalculationExecutionResponse done = server.runCompleted(sessionId,
                "from pyspark.sql.functions import udf\n@udf('int')\ndef plus_one(x):\n    return x + 1\n"
                        + "print([r[0] for r in spark.range(3).select(plus_one('id')).collect()])");
        assertEquals("[1, 2, 3]\n", stdout(done));
    }

    @Test
    void aSparkErrorFailsTheCalculationWithItsFirstLineAsReason() {
        String sessionId = Athena.startIdleSession(athena);
        GetCalculationExecutionResponse done = Athena.run(athena, sessionId, "spark.sql('SELECT * FROM no_such_table')");

        assertEquals(CalculationExecutionState.FAILED, done.status().state());
        assertTrue(done.status().stateChangeReason().startsWith("pyspark.errors.exceptions.captured.AnalysisException: [TABLE_OR_VIEW_NOT_FOUND]"),
                done.status().stateChangeReason());
    }

    @Test
    void stopCancelsALongSparkJobStartedFromPythonAndTheSessionGoesOn() {
        String sessionId = Athena.startIdleSession(athena);
        server.runCompleted(sessionId, "kept = 7");
        String calculationId = Athena.startCalculation(athena, sessionId,
                "spark.range(1).selectExpr(\"reflect('java.lang.Thread', 'sleep', cast(60000 as bigint))\").collect()");
        Athena.await(() -> athena.getCalculationExecutionStatus(r -> r.calculationExecutionId(calculationId)).statistics().progress()
                .matches("\\d+% \\(\\d+/[1-9].*"), "the Spark job to start", Duration.ofSeconds(30));

        Athena.assertStopCancels(athena, sessionId, calculationId);
        assertEquals("7 [Row(one=1)]\n", stdout(server.runCompleted(sessionId, "print(kept, spark.sql('SELECT 1 AS one').collect())")));
    }

    @Test
    void setLogLevelReachesSpark() {
        String sessionId = Athena.startIdleSession(athena);
        String shown = stdout(server.runCompleted(sessionId, "%set_log_level WARN"));
        assertEquals("Spark's log level is WARN (for the whole Noctua server: its sessions share one SparkContext)\n", shown);
    }

    @Test
    void lineBasedFormatsOnS3AreReadThroughPySpark() {
        TestingS3 s3 = TestingS3.shared();
        s3.createBucket("pyspark-formats");
        String sessionId = Athena.startIdleSession(athena);
        server.runCompleted(sessionId, String.join("\n",
                "spark.range(3).selectExpr('id', \"concat('row ', id) AS label\").write.mode('overwrite').csv('s3://pyspark-formats/csv', header=True)",
                "spark.range(3).selectExpr('id').write.mode('overwrite').json('s3://pyspark-formats/json', compression='gzip')",
                "spark.createDataFrame([('one',), ('two',)], ['value']).write.mode('overwrite').text('s3a://pyspark-formats/text')"));
        String out = stdout(server.runCompleted(sessionId, String.join("\n",
                "print(spark.read.csv('s3://pyspark-formats/csv', header=True, inferSchema=True).agg({'id': 'sum'}).first()[0])",
                "print(spark.read.json('s3://pyspark-formats/json').count())",
                "print(sorted(sc.textFile('s3n://pyspark-formats/text').collect()))",
                "print(sum(len(text) for _, text in sc.wholeTextFiles('s3://pyspark-formats/text').collect()))",
                "print(spark.read.text('s3://pyspark-formats/text').count())")));
        assertEquals("3\n3\n['one', 'two']\n8\n2\n", out);
    }
}
