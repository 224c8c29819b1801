package io.noctua;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import io.noctua.results.ResultStore;
import io.noctua.results.S3Location;
import io.noctua.testing.Athena;
import io.noctua.testing.Browser;
import io.noctua.testing.Commands;
import io.noctua.testing.PythonEnvironments;
import io.noctua.testing.PythonPackages;
import io.noctua.testing.ServerExtension;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;
import software.amazon.awssdk.services.athena.model.NotebookType;
import software.amazon.awssdk.services.athena.model.QueryExecutionState;
import software.amazon.awssdk.services.athena.model.SessionState;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.noctua.testing.Athena.LONG_SQL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The web console in real headless Chromium: a session started from the page, a {@code %%sql} cell
 * and its table, a long cell stopped from the page, and output that holds HTML shown as text; the
 * SQL view's queries, their paged results, failures, a stopped query and the history; rich outputs
 * (images, tables, Plotly charts, HTML in sandboxed frames), hand-made and from real calculations.
 * Skips, with the reason printed, where chromium and chromium-driver cannot be installed.
 */
class ConsoleBrowserTest {
    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private static Browser browser;

    private final AthenaClient athena = running.client();

    @BeforeAll
    static void startBrowser() throws Exception {
        String missing = Browser.missing();
        if (missing != null) {
            System.out.println("ConsoleBrowserTest skipped: " + missing);
        }
        assumeTrue(missing == null, missing);
        browser = Browser.start();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    /** Submits {@code code} in the page's cell and returns the calculation's item once it shows {@code state}. */
    private String run(String code, String state) {
        int before = browser.findAll("#calculation-list > li").size();
        String editor = browser.await("#code", Duration.ofSeconds(10));
        browser.type(editor, code);
        browser.click("#run", Duration.ofSeconds(10));
        browser.awaitTrue(() -> browser.findAll("#calculation-list > li").size() == before + 1, "the new calculation to be listed",
                Duration.ofSeconds(20));
        String item = browser.findAll("#calculation-list > li").get(0);
        try {
            browser.awaitTrue(() -> !browser.findAll("#calculation-list > li:first-child .state[data-state='" + state + "']").isEmpty(),
                    "the calculation to show " + state, Duration.ofSeconds(60));
        }
        catch (AssertionError | RuntimeException e) {
            throw new AssertionError(e.getMessage() + "; it shows: " + browser.text(item), e);
        }
        return item;
    }

    private String firstCalculationId() {
        return browser.script("return document.querySelector('#calculation-list > li').dataset.calculation").asText();
    }

    @Test
    void aSessionStartedInThePageRunsSqlStopsALongCellAndShowsHtmlAsText() {
        browser.open(running.server().endpoint() + "/console");
        browser.click("#start-session", Duration.ofSeconds(20));
        // a server that checks no signatures never asks for keys
        assertEquals("none", browser.script("return getComputedStyle(document.getElementById('sign-in')).display").asText());
        browser.await("#session-facts .state[data-state='IDLE']", Duration.ofSeconds(30));
        String sessionId = browser.script("return document.querySelector('#session-list li.selected').dataset.session").asText();
        assertEquals(SessionState.IDLE, athena.getSessionStatus(r -> r.sessionId(sessionId)).status().state());

        String sql = run("%%sql\nSELECT 6 * 7 AS answer, 'north' AS region", "COMPLETED");
        browser.awaitTrue(() -> !browser.findAll("#calculation-list > li:first-child pre.stdout").isEmpty(), "the table", Duration.ofSeconds(20));
        String table = browser.text(browser.findAll("#calculation-list > li:first-child pre.stdout").get(0));
        assertTrue(table.contains("|answer|region|") && table.contains("|    42| north|"), table);
        assertTrue(browser.text(sql).contains("SELECT 6 * 7 AS answer"));
        String usage = browser.text(browser.await("#session-list li.selected .usage", Duration.ofSeconds(10)));
        assertTrue(usage.matches("DPU \\d+\\.\\d s\\s*·?\\s*1 executor"), usage);

        run(LONG_SQL.replace("%%sql\n", "%%sql\n-- long\n"), "RUNNING");
        String longId = firstCalculationId();
        browser.click("#calculation-list > li:first-child button.stop", Duration.ofSeconds(10));
        browser.await("#calculation-list > li:first-child .state[data-state='CANCELED']", Duration.ofSeconds(30));
        assertEquals(CalculationExecutionState.CANCELED, athena.getCalculationExecutionStatus(r -> r.calculationExecutionId(longId)).status().state());

        run("print('<b id=\"injected\">bold</b><img src=x onerror=\"window.pwned=1\">')", "COMPLETED");
        browser.awaitTrue(() -> !browser.findAll("#calculation-list > li:first-child pre.stdout").isEmpty(), "the output", Duration.ofSeconds(20));
        String shown = browser.text(browser.findAll("#calculation-list > li:first-child pre.stdout").get(0));
        assertEquals("<b id=\"injected\">bold</b><img src=x onerror=\"window.pwned=1\">", shown);
        assertEquals(List.of(), browser.findAll("#injected"));
        assertEquals(List.of(), browser.findAll("#calculation-list img"));
        assertTrue(browser.script("return window.pwned === undefined").asBoolean());

        browser.click("#terminate-session", Duration.ofSeconds(10));
        browser.await("#session-facts .state[data-state='TERMINATED']", Duration.ofSeconds(30));
    }

    /** A notebook as Jupyter writes one (nbformat 4.5: cells with ids, sources as lists of lines). */
    private static final String NOTEBOOK = """
            {"cells": [
              {"cell_type": "code", "execution_count": null, "id": "a1", "metadata": {}, "outputs": [], "source": ["x = 6 * 7\\n", "print('answer', x)"]},
              {"cell_type": "markdown", "id": "b2", "metadata": {}, "source": ["# Notes\\n", "<b id='injected'>not markup</b>"]},
              {"cell_type": "code", "execution_count": null, "id": "c3", "metadata": {}, "outputs": [], "source": ["%%sql\\n", "SELECT 42 AS answer"]},
              {"cell_type": "code", "execution_count": null, "id": "d4", "metadata": {}, "outputs": [], "source": ["x + 1"]}
             ],
             "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
             "nbformat": 4, "nbformat_minor": 5}
            """;

    /**
     * The notebook view, opened from a presigned URL with no keys: the cells in order, a cell added, moved and one deleted,
     * all run in the notebook's session with their outputs under them, saved, and the same after a reload; the saved
     * document is a valid nbformat notebook with those outputs, and Export downloads it.
     */
    @Test
    void aNotebookOpensFromAPresignedUrlRunsAllCellsSavesAndReloads() throws Exception {
        String name = "browser-" + UUID.randomUUID().toString().substring(0, 8);
        String notebookId = athena.importNotebook(r -> r.workGroup(Athena.SPARK_WORK_GROUP).name(name).type(NotebookType.IPYNB)
                .payload(NOTEBOOK)).notebookId();
        String sessionId = Athena.startNotebookSession(athena, notebookId);
        Athena.awaitSession(athena, sessionId, SessionState.IDLE);
        String url = athena.createPresignedNotebookUrl(r -> r.sessionId(sessionId)).notebookUrl();

        browser.open("about:blank");
        browser.open(url);
        awaitCells(4);
        assertEquals(name, text("#notebook-name"));
        assertEquals("[\"x = 6 * 7\\nprint('answer', x)\",\"# Notes\\n<b id='injected'>not markup</b>\",\"%%sql\\nSELECT 42 AS answer\",\"x + 1\"]",
                sources());
        assertEquals(List.of(), browser.findAll("#injected"));
        assertTrue(text("#link-facts").contains("until"), text("#link-facts"));

        // add a cell at the end, move it above the last, delete the markdown cell
        browser.click("#add-code", Duration.ofSeconds(10));
        browser.awaitTrue(() -> browser.findAll("#cells > li").size() == 5, "the added cell", Duration.ofSeconds(10));
        browser.type(browser.await("#cells > li:last-child .source", Duration.ofSeconds(10)), "print('added')");
        browser.click("#cells > li:last-child .up", Duration.ofSeconds(10));
        browser.click("#cells > li:nth-child(2) .delete", Duration.ofSeconds(10));
        String order = "[\"x = 6 * 7\\nprint('answer', x)\",\"%%sql\\nSELECT 42 AS answer\",\"print('added')\",\"x + 1\"]";
        assertEquals(order, sources());
        assertEquals("true", browser.script("return document.getElementById('save-state').dataset.dirty").asText());

        browser.click("#run-all", Duration.ofSeconds(10));
        browser.awaitTrue(() -> browser.findAll("#cells > li .cell-state .state[data-state='COMPLETED']").size() == 4
                && browser.findAll("#run-all:not([disabled])").size() == 1, "all four cells to complete", Duration.ofSeconds(60));
        assertShowsOutputs();

        browser.click("#save", Duration.ofSeconds(10));
        browser.awaitTrue(() -> "false".equals(browser.script("return document.getElementById('save-state').dataset.dirty").asText()),
                "the notebook to be saved", Duration.ofSeconds(20));
        JsonNode saved = new ObjectMapper().readTree(athena.exportNotebook(r -> r.notebookId(notebookId)).payload());
        assertEquals(4, saved.path("cells").size());
        assertEquals("answer 42\n", saved.at("/cells/0/outputs/0/text").asText());
        assertEquals(1, saved.at("/cells/0/execution_count").asInt());
        assertTrue(saved.at("/cells/1/outputs/0/text").asText().contains("|answer|"), saved.at("/cells/1").toString());
        assertEquals("43", saved.at("/cells/3/outputs/0/data/text~1plain").asText(), saved.at("/cells/3").toString());
        assertEquals("execute_result", saved.at("/cells/3/outputs/0/output_type").asText());
        assertEquals(4, saved.at("/cells/3/execution_count").asInt());
        assertEquals("a1", saved.at("/cells/0/id").asText());
        assertEquals("python3", saved.at("/metadata/kernelspec/name").asText());
        String nbformat = PythonPackages.ensure("nbformat", "nbformat");
        if (nbformat != null) { // Jupyter's own reader takes it, outputs and all
            Path file = Files.createTempFile("noctua-notebook-", ".ipynb");
            Files.writeString(file, athena.exportNotebook(r -> r.notebookId(notebookId)).payload());
            Commands.Result valid = Commands.run(List.of("python3", "-c", "import nbformat, sys; nb = nbformat.read(sys.argv[1], as_version=4); "
                    + "nbformat.validate(nb); print(len(nb.cells), nb.cells[3].outputs[0].data['text/plain'])", file.toString()),
                    Map.of("PYTHONPATH", nbformat), Duration.ofSeconds(60));
            assertEquals(0, valid.exitCode(), valid.toString());
            assertTrue(valid.toString().contains("4 43"), valid.toString());
            Files.delete(file);
        }

        // a reload shows what was saved
        browser.open("about:blank");
        browser.open(url);
        awaitCells(4);
        assertEquals(order, sources());
        assertShowsOutputs();
        assertEquals("false", browser.script("return document.getElementById('save-state').dataset.dirty").asText());

        browser.click("#export", Duration.ofSeconds(10));
        browser.awaitTrue(() -> (name + ".ipynb").equals(browser.script("return document.getElementById('download').download").asText()),
                "the export to be downloaded", Duration.ofSeconds(10));
        athena.terminateSession(r -> r.sessionId(sessionId));
    }

    /** Waits for the notebook view to show {@code count} cells; what the page shows instead when it does not. */
    private void awaitCells(int count) {
        try {
            browser.awaitTrue(() -> browser.findAll("#cells > li").size() == count, count + " cells", Duration.ofSeconds(20));
        }
        catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; the page at " + browser.script("return location.href").asText() + " shows: "
                    + browser.script("return document.documentElement.outerHTML").asText(), e);
        }
    }

    private String sources() {
        return browser.script("return JSON.stringify([...document.querySelectorAll('#cells > li .source')].map((t) => t.value))").asText();
    }

    private void assertShowsOutputs() {
        assertEquals("[\"[1]\",\"[2]\",\"[3]\",\"[4]\"]",
                browser.script("return JSON.stringify([...document.querySelectorAll('#cells > li .count')].map((n) => n.textContent))").asText());
        assertEquals("answer 42", text("#cells > li:nth-child(1) .outputs pre.stdout"));
        assertTrue(text("#cells > li:nth-child(2) .outputs pre.stdout").contains("|answer|"), text("#cells > li:nth-child(2) .outputs"));
        assertEquals("added", text("#cells > li:nth-child(3) .outputs pre.stdout"));
        assertEquals("43", text("#cells > li:nth-child(4) .outputs .rich-output[data-output-type='execute_result'] pre"));
    }

    /** The Spark view lists the workgroup's notebooks, makes one, and opens it in the notebook view on a session of its own. */
    @Test
    void aNotebookIsMadeAndOpenedFromTheConsole() {
        String name = "console-" + UUID.randomUUID().toString().substring(0, 8);
        browser.open("about:blank");
        browser.open(running.server().endpoint() + "/console");
        browser.type(browser.await("#new-notebook-name", Duration.ofSeconds(10)), name);
        browser.click("#create-notebook", Duration.ofSeconds(10));
        browser.awaitTrue(() -> browser.script("return [...document.querySelectorAll('#notebook-list li .name')].some((n) => n.textContent === "
                + new TextNode(name) + ")").asBoolean(), "the new notebook to be listed", Duration.ofSeconds(20));
        String notebookId = athena.listNotebookMetadata(r -> r.workGroup(Athena.SPARK_WORK_GROUP).filters(f -> f.name(name)))
                .notebookMetadataList().get(0).notebookId();
        browser.click("#notebook-list li[data-notebook='" + notebookId + "'] button.open-notebook", Duration.ofSeconds(10));
        browser.await("#notebook:not([hidden])", Duration.ofSeconds(20));
        assertEquals(name, text("#notebook-name"));
        assertEquals(0, browser.findAll("#cells > li").size());
        String sessionId = athena.listNotebookSessions(r -> r.notebookId(notebookId)).notebookSessionsList().get(0).sessionId();

        browser.click("#add-code", Duration.ofSeconds(10));
        browser.type(browser.await("#cells > li:last-child .source", Duration.ofSeconds(10)), "print('from the console')");
        browser.click("#cells > li:last-child button.run", Duration.ofSeconds(30));
        browser.await("#cells > li .cell-state .state[data-state='COMPLETED']", Duration.ofSeconds(30));
        assertEquals("from the console", text("#cells > li:nth-child(1) .outputs pre.stdout"));
        athena.terminateSession(r -> r.sessionId(sessionId));
    }

    /** A presigned URL whose token has expired opens nothing: the page says so, and shows no notebook. */
    @Test
    void anExpiredNotebookUrlIsRefused() {
        try (TestingServer server = TestingServer.start(TestingServer.temporaryDirectory("noctua-notebook-url-"),
                Map.of("notebook.url-lifetime", "1s"))) {
            AthenaClient client = server.client();
            String notebookId = client.createNotebook(r -> r.workGroup(Athena.SPARK_WORK_GROUP).name("expiring")).notebookId();
            String sessionId = Athena.startNotebookSession(client, notebookId);
            String url = client.createPresignedNotebookUrl(r -> r.sessionId(sessionId)).notebookUrl();
            Athena.sleep(1100);
            browser.open("about:blank");
            browser.open(url);
            browser.await("#refused:not([hidden])", Duration.ofSeconds(20));
            assertTrue(text("#refused-reason").contains("expired at"), text("#refused-reason"));
            assertTrue(browser.script("return document.getElementById('notebook').hidden").asBoolean());
            client.terminateSession(r -> r.sessionId(sessionId));
        }
    }

    /** A 3x2 red PNG. */
    private static final String PNG = "iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAIAAAASFvFNAAAAEElEQVR4nGP4z8AAQQxwFgBB0gX7h/C5SAAAAABJRU5ErkJggg==";

    /**
     * Each kind of rich output, as outputs.json holds it (written here by hand over a real
     * calculation's): shown in order after stdout, each as its richest type; markup in any of them runs
     * nothing in the page. This server's workers' Python has no plotly: the figure is shown as JSON.
     */
    @Test
    void handMadeOutputsAreShownAsImagesTablesSandboxedFramesAndText() {
        String sessionId = Athena.startIdleSession(athena);
        GetCalculationExecutionResponse done = running.server().runCompleted(sessionId, "print('printed first')");
        String script = "<script>window.top.pwned = 1; parent.pwned = 2; top.document.title = 'pwned'; window.framePwned = 1</script>";
        String outputs = """
                {"outputs": [
                  {"output_type": "display_data", "data": {"image/png": "%s", "text/plain": "<Figure size 3x2>"}, "metadata": {}},
                  {"output_type": "display_data", "data": {"image/svg+xml": "<svg xmlns='http://www.w3.org/2000/svg' width='40' height='20'><script>window.top.pwned = 3</script><rect width='40' height='20' fill='blue'/></svg>", "text/plain": "svg"}, "metadata": {}},
                  {"output_type": "display_data", "data": {"application/vnd.noctua.table+json": {"columns": [{"name": "id", "type": "bigint"}, {"name": "<b id='injected'>name</b>", "type": "string"}], "rows": [[1, "<img src=x onerror='window.pwned=4'>"], [2, null]], "truncated": true}, "text/html": "<table id='injected'></table>", "text/plain": "id name"}, "metadata": {}},
                  {"output_type": "display_data", "data": {"text/html": "<p id='framed'>framed</p>%s<img src=x onerror='window.top.pwned=5'>", "text/plain": "<HTML object>"}, "metadata": {}},
                  {"output_type": "display_data", "data": {"application/vnd.plotly.v1+json": {"data": [{"type": "bar", "x": ["a", "b"], "y": [1, 2]}], "layout": {"title": {"text": "bars"}}}, "text/plain": "Figure()"}, "metadata": {}},
                  {"output_type": "display_data", "data": {"text/markdown": "# <i>title</i>", "text/plain": "md"}, "metadata": {}},
                  {"output_type": "display_data", "data": {"text/latex": "$x$", "text/plain": "only as text"}, "metadata": {}},
                  {"output_type": "execute_result", "data": {"text/plain": "42"}, "metadata": {}}
                ]}
                """.formatted(PNG, script.replace("\"", "\\\""));
        running.server().server().results().write(List.of(new ResultStore.ResultObject(
                S3Location.parse(done.result().resultS3Uri() + "outputs.json"), outputs.getBytes(StandardCharsets.UTF_8), "application/json")));

        browser.open("about:blank");
        browser.open(running.server().endpoint() + "/console#session=" + sessionId);
        String title = browser.script("return document.title").asText();
        String item = "#calculation-list > li[data-calculation='" + done.calculationExecutionId() + "']";
        browser.await(item + " .rich-output[data-output-type='execute_result']", Duration.ofSeconds(30));
        // in order, after stdout; the value's text once, under Result
        assertEquals("[\"stdout\",\"image/png\",\"image/svg+xml\",\"application/vnd.noctua.table+json\",\"text/html\","
                + "\"application/vnd.plotly.v1+json\",\"text/markdown\",\"text/plain\",\"text/plain\"]", browser.script("""
                return JSON.stringify([...document.querySelectorAll(arguments[0] + ' pre.stdout, ' + arguments[0] + ' .rich-output')]
                  .map((n) => n.classList.contains('stdout') ? 'stdout' : n.dataset.mime));
                """.replace("arguments[0]", new TextNode(item).toString())).asText());
        assertEquals("42", text(item + " .rich-output[data-output-type='execute_result'] pre"));
        assertEquals("# <i>title</i>", text(item + " .rich-output[data-mime='text/markdown'] pre"));

        // images from data: URLs, decoded; the SVG as an image too, never inline
        browser.awaitTrue(() -> browser.script("const i = document.querySelector(" + new TextNode(item + " img[src^='data:image/png;base64,']")
                + "); return !!i && i.complete && i.naturalWidth === 3").asBoolean(), "the PNG to be decoded", Duration.ofSeconds(10));
        browser.awaitTrue(() -> browser.script("const i = document.querySelector(" + new TextNode(item + " img[src^='data:image/svg+xml']")
                + "); return !!i && i.complete && i.naturalWidth === 40").asBoolean(), "the SVG to be decoded", Duration.ofSeconds(10));
        assertEquals(List.of(), browser.findAll("#calculation-list svg"));

        // the table: built cell by cell as text
        String table = item + " .rich-output[data-mime='application/vnd.noctua.table+json'] table";
        assertEquals("[\"id\",\"<b id='injected'>name</b>\"]", browser.script("return JSON.stringify([...document.querySelectorAll("
                + new TextNode(table + " th .name") + ")].map((n) => n.textContent))").asText());
        assertEquals("[[\"1\",\"<img src=x onerror='window.pwned=4'>\"],[\"2\",null]]", browser.script("return JSON.stringify([...document.querySelectorAll("
                + new TextNode(table + " tbody tr") + ")].map((tr) => [...tr.children].map((td) => td.classList.contains('null') ? null : td.textContent)))")
                .asText());
        assertTrue(text(item + " .table-note").contains("first 2 rows"), text(item + " .table-note"));

        // HTML: in a frame sandboxed without scripts, from srcdoc
        assertEquals("[\"\",true]", browser.script("const f = document.querySelector(" + new TextNode(item + " iframe.rich-html")
                + "); return JSON.stringify([f.getAttribute('sandbox'), f.srcdoc.includes('window.top.pwned')])").asText());
        assertEquals(1, browser.findAll("#calculation-list iframe").size());

        // plotly is not in this server's workers' Python (python3): the figure's JSON, with the reason
        if (Commands.run(List.of("python3", "-c", "import plotly"), Map.of(), Duration.ofSeconds(60)).exitCode() != 0) {
            browser.await(item + " .plotly-json", Duration.ofSeconds(20));
            assertTrue(text(item + " .plotly-note").contains("plotly is not installed in the workers' Python"), text(item + " .plotly-note"));
            assertTrue(text(item + " .plotly-json").contains("\"bars\""));
        }

        assertEquals(List.of(), browser.findAll("#injected"));
        assertEquals(List.of(), browser.findAll("#framed"));
        assertEquals(List.of(), browser.findAll("#calculation-list img:not([src^='data:'])"));
        assertTrue(browser.script("return window.pwned === undefined && window.framePwned === undefined").asBoolean());
        assertEquals(title, browser.script("return document.title").asText());
        athena.terminateSession(r -> r.sessionId(sessionId));
    }

    /** A server whose workers' Python has matplotlib, pandas and plotly: the environment Noctua builds, as the tests share it. */
    private static TestingServer richServer() {
        return TestingServer.start(TestingServer.temporaryDirectory("noctua-console-rich-"),
                Map.of("python.executable", PythonEnvironments.full()));
    }

    /** Collects, from now on, what the page's Content-Security-Policy refuses. */
    private void watchPolicyViolations() {
        browser.script("window.violations = []; document.addEventListener('securitypolicyviolation', "
                + "(e) => window.violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber + ':' + e.columnNumber + ' ' + e.sample)); return true");
    }

    /** What {@code css} (in the newest calculation) holds, as JSON: each element's cells' text (a NULL as null), row by row. */
    private String cells(String css) {
        return browser.script("return JSON.stringify([...document.querySelectorAll(" + new TextNode("#calculation-list > li:first-child " + css)
                + ")].map((tr) => [...tr.children].map((c) => c.classList.contains('null') ? null : (c.querySelector('.name') || c).textContent)))")
                .asText();
    }

    /**
     * Real calculations in a session whose workers' Python has matplotlib, pandas and plotly: a
     * Matplotlib figure as an image, a pandas DataFrame and a %%sql result as tables, a Plotly figure
     * drawn by plotly.js from the server, and HTML with scripts (display and a cell's value) in frames
     * where nothing runs: no script from an output runs in the page.
     */
    @Test
    void realCalculationsShowImagesTablesChartsAndHtmlThatRunsNothing() throws Exception {
        try (TestingServer server = richServer()) {
            browser.open(server.endpoint() + "/console");
            watchPolicyViolations();
            String title = browser.script("return document.title").asText();
            browser.click("#start-session", Duration.ofSeconds(20));
            browser.await("#session-facts .state[data-state='IDLE']", Duration.ofSeconds(30));
            String newest = "#calculation-list > li:first-child ";

            run("import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9])\n%matplot plt", "COMPLETED");
            browser.awaitTrue(() -> browser.script("const i = document.querySelector(" + new TextNode(newest + ".rich-output img[src^='data:image/png;base64,']")
                    + "); return !!i && i.complete && i.naturalWidth > 0").asBoolean(), "the figure's image to be decoded", Duration.ofSeconds(20));

            run("import pandas as pd\ndf = pd.DataFrame({'name': ['a', '<b>b</b>'], 'n': [1, 2]})\n%table df\ndf", "COMPLETED");
            browser.await(newest + ".rich-output[data-mime='application/vnd.noctua.table+json'] table", Duration.ofSeconds(20));
            assertEquals("[[\"name\",\"n\"]]", cells(".rich-output table thead tr"));
            String types = browser.script("return JSON.stringify([...document.querySelectorAll("
                    + new TextNode(newest + ".rich-output table th .type") + ")].map((n) => n.textContent))").asText();
            assertTrue(types.matches("\\[\"(object|str)\",\"int64\"]"), types); // pandas' dtypes: strings are str from pandas 3 on
            assertEquals("[[\"a\",\"1\"],[\"<b>b</b>\",\"2\"]]", cells(".rich-output table tbody tr"));
            assertTrue(text(newest + ".table-note").equals("2 rows"), text(newest + ".table-note"));
            // the DataFrame as the cell's value: its HTML, under Result, in a frame without scripts
            assertEquals("", browser.script("return document.querySelector(" + new TextNode(newest
                    + ".rich-output[data-output-type='execute_result'] iframe.rich-html") + ").getAttribute('sandbox')").asText());

            run("%%sql\nSELECT 6 * 7 AS answer, 'north' AS region, CAST(NULL AS STRING) AS nothing", "COMPLETED");
            browser.await(newest + ".rich-output[data-mime='application/vnd.noctua.table+json'] table", Duration.ofSeconds(20));
            assertEquals("[[\"answer\",\"region\",\"nothing\"]]", cells(".rich-output table thead tr"));
            assertEquals("[[\"42\",\"north\",null]]", cells(".rich-output table tbody tr"));
            assertTrue(text(newest + "pre.stdout").contains("|answer|region|nothing|"), text(newest + "pre.stdout"));
            // the cell's value is the text stdout already shows: not shown twice
            assertEquals(List.of(), browser.findAll(newest + ".rich-output[data-output-type='execute_result']"));

            run("import plotly.graph_objects as go\nfig = go.Figure(go.Bar(x=['a', 'b'], y=[1, 2]))\n%plotly fig", "COMPLETED");
            browser.await(newest + ".plotly-output .js-plotly-plot svg.main-svg", Duration.ofSeconds(30));
            assertEquals(List.of(), browser.findAll(newest + ".plotly-json"));
            assertEquals("[\"" + server.endpoint() + "/console/plotly.min.js\"]", browser.script(
                    "return JSON.stringify([...document.scripts].map((s) => s.src).filter((s) => s.includes('plotly')))").asText());
            assertTrue(browser.script("return document.getElementById('plotly.js-style-global').sheet.cssRules.length > 0").asBoolean());

            run("""
                    class Evil:
                        def _repr_html_(self):
                            return ("<p id='evil'>evil</p><script>window.top.pwned = 1; parent.pwned = 2; top.document.title = 'pwned';"
                                    " document.title = 'pwned'</script><img src=x onerror='top.pwned = 3'>")
                    display(Evil())
                    Evil()""", "COMPLETED");
            browser.await(newest + ".rich-output[data-output-type='execute_result'] iframe", Duration.ofSeconds(20));
            assertEquals("[[\"\",true],[\"\",true]]", browser.script("return JSON.stringify([...document.querySelectorAll("
                    + new TextNode(newest + ".rich-output[data-mime='text/html'] iframe")
                    + ")].map((f) => [f.getAttribute('sandbox'), f.srcdoc.includes('window.top.pwned')]))").asText());
            Thread.sleep(1000); // time for anything that could run to have run
            assertEquals(List.of(), browser.findAll("#evil"));
            assertTrue(browser.script("return window.pwned === undefined").asBoolean());
            assertEquals(title, browser.script("return document.title").asText());
            // the page's policy refused none of its own scripts (plotly.js among them)
            assertEquals("[]", browser.script("return JSON.stringify(window.violations.filter((v) => v.startsWith('script-src')))").asText());
            browser.click("#terminate-session", Duration.ofSeconds(10));
            browser.await("#session-facts .state[data-state='TERMINATED']", Duration.ofSeconds(30));
        }
    }

    private String shownQuery() {
        return browser.script("return document.getElementById('sql-execution').dataset.query || ''").asText();
    }

    /** Runs {@code sql} from the SQL view's editor; returns the query's id once the page shows it in {@code state}. */
    private String runSql(String sql, String state) {
        String before = shownQuery();
        browser.script("document.getElementById('sql-query').value = ''; return true");
        browser.type(browser.await("#sql-query", Duration.ofSeconds(10)), sql);
        browser.click("#sql-run", Duration.ofSeconds(10));
        browser.awaitTrue(() -> !shownQuery().equals(before), "the page to show the new query", Duration.ofSeconds(20));
        browser.await("#sql-execution .state[data-state='" + state + "']", Duration.ofSeconds(60));
        return shownQuery();
    }

    /** The shown result's values, row by row, as JSON; a NULL is null. */
    private String resultRows() {
        return browser.script("""
                return JSON.stringify([...document.querySelectorAll('#sql-result tbody tr')].map((tr) =>
                  [...tr.querySelectorAll('td:not(.rownum)')].map((td) => td.classList.contains('null') ? null : td.textContent)));
                """).asText();
    }

    /** The text of the first element matching {@code css}, once there is one; read in one step, as the page re-renders often. */
    private String text(String css) {
        browser.await(css, Duration.ofSeconds(20));
        return browser.script("const node = document.querySelector(" + new TextNode(css)
                + "); return node ? node.textContent : ''").asText();
    }

    private QueryExecutionState queryState(String id) {
        return athena.getQueryExecution(r -> r.queryExecutionId(id)).queryExecution().status().state();
    }

    @Test
    void theSqlViewRunsQueriesPagesResultsShowsFailuresStopsALongQueryAndKeepsTheHistory() {
        browser.open(running.server().endpoint() + "/console");
        browser.click("#tab-sql", Duration.ofSeconds(20));
        browser.await("#sessions-view[hidden]", Duration.ofSeconds(5));
        browser.click("#sql-workgroup option[value='primary']", Duration.ofSeconds(20));
        // only the workgroups of the SQL engine: the Spark one is not offered
        assertEquals("[\"primary\"]", browser.script("return JSON.stringify([...document.querySelectorAll('#sql-workgroup option')]"
                + ".map((o) => o.value))").asText());
        browser.await("#sql-database option[value='default']", Duration.ofSeconds(20));

        String one = runSql("SELECT 1 AS one, 'x' AS two", "SUCCEEDED");
        browser.await("#sql-result", Duration.ofSeconds(20));
        assertEquals("[[\"1\",\"x\"]]", resultRows()); // the header row of the result is not shown as data
        assertEquals("[\"one\",\"two\"]", browser.script("return JSON.stringify([...document.querySelectorAll('#sql-result th .name')]"
                + ".map((n) => n.textContent))").asText());
        assertEquals("[\"integer\",\"varchar\"]", browser.script("return JSON.stringify([...document.querySelectorAll('#sql-result th .type')]"
                + ".map((n) => n.textContent))").asText());
        browser.awaitTrue(() -> !browser.findAll("#sql-facts [data-fact='Rows']").isEmpty(), "the row count", Duration.ofSeconds(20));
        assertEquals("1", text("#sql-facts [data-fact='Rows'] dd"));
        assertTrue(text("#sql-facts [data-fact='Engine time'] dd").matches("\\d+(\\.\\d+)? m?s"), text("#sql-facts"));
        assertEquals("0 B", text("#sql-facts [data-fact='Data scanned'] dd"));
        assertEquals(QueryExecutionState.SUCCEEDED, queryState(one));

        // NULLs shown as such, values and names that look like markup shown as text, pages through NextToken
        String paged = runSql("SELECT id, CASE WHEN id % 2 = 0 THEN NULL ELSE '<img src=x onerror=\"window.pwned=1\">' END AS `<b id=\"injected\">v</b>` "
                + "FROM range(150)", "SUCCEEDED");
        browser.await("#sql-result", Duration.ofSeconds(20));
        assertEquals("Rows 1–99", text("#sql-rows")); // 100 rows a page, the first of them the header
        String firstPage = resultRows();
        assertTrue(firstPage.startsWith("[[\"0\",null],[\"1\",\"<img src=x onerror=\\\"window.pwned=1\\\">\"],[\"2\",null]"), firstPage);
        assertEquals("NULL", browser.text(browser.findAll("#sql-result td.null").get(0)));
        assertEquals("<b id=\"injected\">v</b>", browser.text(browser.findAll("#sql-result th .name").get(1)));
        assertEquals(List.of(), browser.findAll("#injected"));
        assertEquals(List.of(), browser.findAll("#sql-result img"));
        assertTrue(browser.script("return window.pwned === undefined").asBoolean());
        browser.click("#sql-next", Duration.ofSeconds(5));
        browser.awaitTrue(() -> text("#sql-rows").equals("Rows 100–150"), "the second page", Duration.ofSeconds(20));
        assertTrue(resultRows().startsWith("[[\"99\","), resultRows());
        assertTrue(browser.script("return document.getElementById('sql-next').disabled").asBoolean());
        browser.click("#sql-previous", Duration.ofSeconds(5));
        browser.awaitTrue(() -> text("#sql-rows").equals("Rows 1–99"), "the first page again", Duration.ofSeconds(20));

        String failed = runSql("SELECT * FROM no_such_table_in_the_console", "FAILED");
        String reason = text("#sql-reason");
        assertTrue(reason.contains("no_such_table_in_the_console"), reason);
        assertTrue(reason.startsWith(athena.getQueryExecution(r -> r.queryExecutionId(failed)).queryExecution().status().stateChangeReason()
                .lines().findFirst().orElseThrow()), reason);

        String slow = runSql("SELECT reflect('java.lang.Thread', 'sleep', cast(60000 as bigint))", "RUNNING");
        browser.click("#sql-stop", Duration.ofSeconds(10));
        browser.await("#sql-execution .state[data-state='CANCELLED']", Duration.ofSeconds(20));
        assertEquals(QueryExecutionState.CANCELLED, queryState(slow));
        assertEquals(List.of(), browser.findAll("#sql-stop"));

        // a request the server refuses says why, under the editor
        browser.script("document.getElementById('sql-query').value = ''; return true");
        browser.type(browser.await("#sql-query", Duration.ofSeconds(10)), "SELECT 1; SELECT 2");
        browser.click("#sql-run", Duration.ofSeconds(10));
        browser.await("#sql-refused:not([hidden])", Duration.ofSeconds(20));
        assertTrue(text("#sql-refused").contains("Only one sql statement is allowed"), text("#sql-refused"));

        // the history: newest first, each with its state; a click shows its result or its reason
        String order = "[\"" + String.join("\",\"", slow, failed, paged, one) + "\"]";
        browser.awaitTrue(() -> browser.script("return JSON.stringify([...document.querySelectorAll('#query-list li')].map((li) => li.dataset.query))")
                .asText().equals(order), "the history to list the four queries, newest first", Duration.ofSeconds(20));
        browser.await("#query-list li[data-query='" + slow + "'] .state[data-state='CANCELLED']", Duration.ofSeconds(20));
        browser.await("#query-list li[data-query='" + failed + "'] .state[data-state='FAILED']", Duration.ofSeconds(5));
        String oneItem = text("#query-list li[data-query='" + one + "']");
        assertTrue(oneItem.startsWith("SELECT 1 AS one, 'x' AS two") && oneItem.contains("SUCCEEDED") && oneItem.contains("0 B"), oneItem);
        browser.click("#query-list li[data-query='" + one + "']", Duration.ofSeconds(5));
        browser.awaitTrue(() -> shownQuery().equals(one) && !browser.findAll("#sql-result").isEmpty(), "the first query's result",
                Duration.ofSeconds(20));
        assertEquals("[[\"1\",\"x\"]]", resultRows());
        browser.click("#query-list li[data-query='" + failed + "']", Duration.ofSeconds(5));
        browser.awaitTrue(() -> shownQuery().equals(failed) && !browser.findAll("#sql-reason").isEmpty(), "the failed query's reason",
                Duration.ofSeconds(20));
        assertTrue(text("#sql-reason").contains("no_such_table_in_the_console"));

        // a link to a query opens it; the Spark view is still there
        browser.open("about:blank"); // else only the fragment would change, and the page would not load again
        browser.open(running.server().endpoint() + "/console#query=" + paged);
        browser.await("#sql-result", Duration.ofSeconds(20));
        assertEquals(paged, shownQuery());
        browser.click("#tab-sessions", Duration.ofSeconds(5));
        browser.await("#sql-view[hidden]", Duration.ofSeconds(5));
        browser.await("#start-session", Duration.ofSeconds(5));
        assertEquals("spark", browser.script("return document.getElementById('workgroup').value").asText());
    }

    /**
     * A server that checks signatures: the page asks for keys, signs every call in the browser (also
     * the reads of outputs), and the pure-JavaScript SHA-256 it falls back on where the page has no
     * Web Crypto agrees with Web Crypto's.
     */
    @Test
    void withSignaturesRequiredThePageAsksForKeysAndSignsItsCalls() {
        try (TestingServer server = TestingServer.start(TestingServer.temporaryDirectory("noctua-console-auth-"),
                Map.of("auth.access-key-id", "AKIDCONSOLE", "auth.secret-access-key", "console-secret"))) {
            browser.open(server.endpoint() + "/console");
            browser.await("#sign-in:not([hidden])", Duration.ofSeconds(20));
            assertEquals("flex", browser.script("return getComputedStyle(document.getElementById('sign-in')).display").asText());
            assertTrue(browser.text(browser.await("#sign-in-reason", Duration.ofSeconds(5))).contains("signed with an access key"));

            browser.type(browser.await("#access-key-id", Duration.ofSeconds(5)), "AKIDCONSOLE");
            browser.type(browser.await("#secret-access-key", Duration.ofSeconds(5)), "wrong-secret");
            browser.click("#sign-in-submit", Duration.ofSeconds(5));
            browser.awaitTrue(() -> browser.text(browser.await("#sign-in-reason", Duration.ofSeconds(5))).contains("InvalidSignatureException"),
                    "the page to say the keys were not accepted", Duration.ofSeconds(20));

            browser.script("document.getElementById('access-key-id').value = ''; return true");
            browser.type(browser.await("#access-key-id", Duration.ofSeconds(5)), "AKIDCONSOLE");
            browser.type(browser.await("#secret-access-key", Duration.ofSeconds(5)), "console-secret");
            browser.click("#sign-in-submit", Duration.ofSeconds(5));
            browser.await("#sign-in[hidden]", Duration.ofSeconds(20));
            browser.click("#start-session", Duration.ofSeconds(20));
            browser.await("#session-facts .state[data-state='IDLE']", Duration.ofSeconds(30));

            run("%%sql\nSELECT 'signed' AS how", "COMPLETED");
            browser.awaitTrue(() -> !browser.findAll("#calculation-list > li:first-child pre.stdout").isEmpty(), "the table", Duration.ofSeconds(20));
            assertTrue(browser.text(browser.findAll("#calculation-list > li:first-child pre.stdout").get(0)).contains("|signed|"));
            // the SQL view signs its calls too: workgroups, databases, the query, its result and the history
            browser.click("#tab-sql", Duration.ofSeconds(5));
            browser.await("#sql-database option[value='default']", Duration.ofSeconds(20));
            runSql("SELECT 'signed' AS how", "SUCCEEDED");
            browser.await("#sql-result", Duration.ofSeconds(20));
            assertEquals("[[\"signed\"]]", resultRows());
            browser.await("#query-list li .state[data-state='SUCCEEDED']", Duration.ofSeconds(20));
            browser.click("#tab-sessions", Duration.ofSeconds(5));

            assertTrue(browser.script("return NoctuaSigV4.selfTest.usesWebCrypto").asBoolean());
            String same = browser.script("""
                    const t = NoctuaSigV4.selfTest, enc = new TextEncoder(), done = arguments[arguments.length - 1];
                    return (async () => {
                      const inputs = ['', 'abc', 'x'.repeat(55), 'y'.repeat(56), 'z'.repeat(64), 'é€😀'.repeat(40)];
                      for (const text of inputs) {
                        if (t.hex(t.sha256Sync(enc.encode(text))) !== t.hex(await t.sha256(enc.encode(text)))) return 'sha256 differs for ' + text;
                        const key = enc.encode('k'.repeat(text.length % 100 + 1));
                        if (t.hex(t.hmacSync(key, enc.encode(text))) !== t.hex(await t.hmac(key, text))) return 'hmac differs for ' + text;
                      }
                      return t.hex(t.sha256Sync(enc.encode('abc')));
                    })();
                    """).asText();
            assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", same);

            browser.click("#sign-out", Duration.ofSeconds(5));
            browser.await("#sign-in:not([hidden])", Duration.ofSeconds(20));
        }
    }
}
