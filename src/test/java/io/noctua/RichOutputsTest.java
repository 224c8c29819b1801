package io.noctua;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.noctua.testing.Athena;
import io.noctua.testing.PythonEnvironments;
import io.noctua.testing.Pyspark;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Rich outputs end to end (docs/calculation-results.md): pandas, NumPy, Matplotlib and Plotly cells
 * in the Python environment Noctua builds, Athena's graph magics, rich values and {@code %%sql}
 * tables, read back through the S3 store as a client would.
 */
class RichOutputsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestingServer server;
    private static AthenaClient athena;
    private static String sessionId;

    @BeforeAll
    static void start() {
        server = TestingServer.start(TestingServer.temporaryDirectory("noctua-test-"),
                Map.of("python.executable", PythonEnvironments.full(), "python.warm-workers", "1"));
        athena = server.client();
        sessionId = Athena.startIdleSession(athena);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private record Ran(GetCalculationExecutionResponse done, JsonNode result, List<JsonNode> outputs) {
        String stdout() {
            return server.readResult(done.result().stdOutS3Uri());
        }

        JsonNode only(String mime) {
            List<JsonNode> shown = outputs.stream().filter(output -> output.path("data").has(mime)).toList();
            assertEquals(1, shown.size(), "outputs with " + mime + ": " + outputs);
            return shown.get(0).path("data").path(mime);
        }
    }

    private static Ran run(String code) {
        GetCalculationExecutionResponse done = server.runCompleted(sessionId, code);
        assertEquals("application/vnd.aws.athena.v1+json", done.result().resultType());
        try {
            JsonNode result = JSON.readTree(server.readResult(done.result().resultS3Uri() + "result.json"));
            JsonNode outputs = JSON.readTree(server.readResult(done.result().resultS3Uri() + "outputs.json")).path("outputs");
            List<JsonNode> list = new ArrayList<>();
            outputs.forEach(list::add);
            return new Ran(done, result, list);
        }
        catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aPandasValueIsItsHtmlAndTextAndStdoutStaysWhatWasPrinted() {
        Ran ran = run("import numpy as np, pandas as pd\nprint('rows:', 3)\npd.DataFrame({'n': np.arange(3), 'name': ['a', 'b', None]})");

        assertEquals("rows: 3\n", ran.stdout());
        assertTrue(ran.result().path("text/html").asText().contains("<table"), ran.result().toString());
        assertTrue(ran.result().path("text/plain").asText().matches("(?s)\\s+n\\s+name\\n0\\s+0\\s+a\\n1\\s+1\\s+b\\n2\\s+2\\s+\\S+"),
                ran.result().toString());
        assertEquals(1, ran.outputs().size());
        assertEquals("execute_result", ran.outputs().get(0).path("output_type").asText());
        assertEquals(ran.result(), ran.outputs().get(0).path("data"));
    }

    @Test
    void tableShowsThePandasFramesFirstRowsWithTypes() {
        Ran ran = run("import pandas as pd\nframe = pd.DataFrame({'n': [1, 2, 3], 'x': [0.5, float('nan'), 2.0], 's': ['a', None, 'c']})\n%table frame 2");

        JsonNode table = ran.only("application/vnd.noctua.table+json");
        assertEquals("[{\"name\":\"n\",\"type\":\"int64\"},{\"name\":\"x\",\"type\":\"float64\"},{\"name\":\"s\",\"type\":\"" 
                + table.path("columns").get(2).path("type").asText() + "\"}]", table.path("columns").toString());
        assertEquals("[[1,0.5,\"a\"],[2,null,null]]", table.path("rows").toString());
        assertTrue(table.path("truncated").asBoolean());
        assertEquals("display_data", ran.outputs().get(0).path("output_type").asText());
        assertEquals("{}", ran.result().toString());
        assertEquals("", ran.stdout());
    }

    @Test
    void matplotIsAPngOfTheCurrentFigure() throws IOException {
        Ran ran = run("import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.title('three points')\nplt.show()\n%matplot plt");

        byte[] png = Base64.getDecoder().decode(ran.only("image/png").asText());
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertNotNull(image, "a PNG");
        assertTrue(image.getWidth() > 100 && image.getHeight() > 100, image.getWidth() + "x" + image.getHeight());
        assertEquals("", server.readResult(ran.done().result().stdErrorS3Uri()), "plt.show() says nothing on Agg");

        // the figure was closed: the next one starts afresh
        assertEquals("0\n", run("import matplotlib.pyplot as plt\nprint(len(plt.get_fignums()))").stdout());
    }

    @Test
    void plotlyIsTheFiguresJson() {
        Ran ran = run("import plotly.graph_objects as go\nfig = go.Figure(go.Bar(x=['a', 'b'], y=[3, 5]))\n%plotly fig");

        JsonNode figure = ran.only("application/vnd.plotly.v1+json");
        assertEquals("bar", figure.path("data").get(0).path("type").asText());
        assertEquals("[3,5]", figure.path("data").get(0).path("y").toString());
        assertTrue(figure.path("layout").isObject());
    }

    @Test
    void displayAndRichValuesKeepTheirOrderAndTypes() {
        Ran ran = run("""
                class Card:
                    def _repr_html_(self):
                        return '<b>card</b>'
                    def _repr_json_(self):
                        return {'kind': 'card'}
                display(Card(), 'plain')
                import plotly.express as px
                px.bar(x=['a'], y=[1])""");

        assertEquals(List.of("display_data", "display_data", "execute_result"),
                ran.outputs().stream().map(output -> output.path("output_type").asText()).toList());
        JsonNode card = ran.outputs().get(0).path("data");
        assertEquals("<b>card</b>", card.path("text/html").asText());
        assertEquals("{\"kind\":\"card\"}", card.path("application/json").toString());
        assertTrue(card.path("text/plain").asText().startsWith("<__main__.Card object"));
        assertEquals("'plain'", ran.outputs().get(1).path("data").path("text/plain").asText());
        assertEquals("bar", ran.result().path("application/vnd.plotly.v1+json").path("data").get(0).path("type").asText());
    }

    @Test
    void graphMagicsUsedWronglyFailWithAUsageError() {
        GetCalculationExecutionResponse done = Athena.run(athena, sessionId, "%table 42");
        assertEquals("UsageError: %table shows a Spark or pandas DataFrame, not int", done.status().stateChangeReason());
        done = Athena.run(athena, sessionId, "%matplot");
        assertEquals("UsageError: %matplot needs what to show, e.g. %matplot plt", done.status().stateChangeReason());
    }

    /** Athena's kernel is IPython: with IPython in the environment, its own magics work, and errors keep Athena's form. */
    @Test
    void ipythonsMagicsShellCommandsAndHelpWork() {
        Ran ran = run("x = 41\n%time y = x + 1\n!echo shell says $y\nlen?\n%who");
        String stdout = ran.stdout();
        assertTrue(stdout.startsWith("CPU times: "), stdout);
        assertTrue(stdout.contains("\nshell says 42\n"), stdout);
        assertTrue(stdout.contains("Return the number of items in a container."), stdout);
        assertTrue(stdout.contains("x\t") && stdout.contains("y\t"), stdout);
        assertFalse(stdout.contains("\u001b["), "no terminal colours: " + stdout);

        GetCalculationExecutionResponse pip = Athena.run(athena, sessionId, "%pip install six");
        assertTrue(pip.status().stateChangeReason().startsWith("UsageError: %pip is not available"), pip.status().stateChangeReason());

        GetCalculationExecutionResponse failed = Athena.run(athena, sessionId, "%time z = 1\n\nfoobar");
        assertEquals("  File \"<stdin>\", line 3, in <module>\nNameError: name 'foobar' is not defined\n",
                server.readResult(failed.result().stdErrorS3Uri()));
    }

    @Test
    void matplotlibInlineShowsTheCellsFiguresAsJupyterDoes() {
        Ran ran = run("import matplotlib.pyplot as plt\n%matplotlib inline\nplt.plot([1, 2])\nNone");
        assertTrue(ran.only("image/png").asText().length() > 1000);
    }

    @Test
    void sqlResultsAreTablesBesideTheirShowText() {
        Ran ran = run("%%sql\nSELECT id, CAST(id AS DECIMAL(5,2)) AS amount, DATE'2024-01-31' AS day, array(id) AS ids, "
                + "CAST(NULL AS STRING) AS nothing, CAST('NaN' AS DOUBLE) AS nan FROM range(3);\nSELECT 'x' AS x, 'y' AS x");

        assertEquals(3, ran.outputs().size());
        JsonNode first = ran.outputs().get(0).path("data").path("application/vnd.noctua.table+json");
        assertEquals("[{\"name\":\"id\",\"type\":\"bigint\"},{\"name\":\"amount\",\"type\":\"decimal(5,2)\"},{\"name\":\"day\",\"type\":\"date\"},"
                + "{\"name\":\"ids\",\"type\":\"array<bigint>\"},{\"name\":\"nothing\",\"type\":\"string\"},{\"name\":\"nan\",\"type\":\"double\"}]",
                first.path("columns").toString());
        assertEquals("[0,\"0.00\",\"2024-01-31\",\"[0]\",null,\"NaN\"]", first.path("rows").get(0).toString());
        assertEquals(3, first.path("rows").size());
        assertFalse(first.path("truncated").asBoolean());
        JsonNode second = ran.outputs().get(1).path("data").path("application/vnd.noctua.table+json");
        assertEquals("[[\"x\",\"y\"]]", second.path("rows").toString(), "columns of the same name stay apart");
        assertEquals(ran.stdout(), ran.result().path("text/plain").asText());
        assertTrue(ran.stdout().startsWith(ran.outputs().get(0).path("data").path("text/plain").asText()));
        assertEquals("execute_result", ran.outputs().get(2).path("output_type").asText());
    }

    @Test
    void aSqlTableHoldsTheFirstHundredRowsAndSaysItIsTruncated() {
        Ran ran = run("%%sql\nSELECT id FROM range(250)");

        JsonNode table = ran.only("application/vnd.noctua.table+json");
        assertEquals(100, table.path("rows").size());
        assertTrue(table.path("truncated").asBoolean());
        assertTrue(ran.stdout().endsWith("only showing top 20 rows\n\n"), ran.stdout());
    }

    @Test
    void tableShowsSparkDataFrames() {
        assumeTrue(Pyspark.missing() == null, Pyspark.missing());
        Ran ran = run("%table spark.range(5).selectExpr('id', 'id % 2 = 0 AS even') 3");

        JsonNode table = ran.only("application/vnd.noctua.table+json");
        assertEquals("[{\"name\":\"id\",\"type\":\"bigint\"},{\"name\":\"even\",\"type\":\"boolean\"}]", table.path("columns").toString());
        assertEquals("[[0,true],[1,false],[2,true]]", table.path("rows").toString());
        assertTrue(table.path("truncated").asBoolean());
    }
}
