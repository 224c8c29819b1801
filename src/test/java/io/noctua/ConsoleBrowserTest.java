package io.noctua;

import com.fasterxml.jackson.databind.node.TextNode;
import io.noctua.testing.Browser;
import io.noctua.testing.ServerExtension;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
import software.amazon.awssdk.services.athena.model.QueryExecutionState;
import software.amazon.awssdk.services.athena.model.SessionState;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.noctua.testing.Athena.LONG_SQL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The web console in real headless Chromium: a session started from the page, a {@code %%sql} cell
 * and its table, a long cell stopped from the page, and output that holds HTML shown as text; the
 * SQL view's queries, their paged results, failures, a stopped query and the history.
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
        browser.click(browser.await("#run", Duration.ofSeconds(10)));
        browser.awaitTrue(() -> browser.findAll("#calculation-list > li").size() == before + 1, "the new calculation to be listed",
                Duration.ofSeconds(20));
        String item = browser.findAll("#calculation-list > li").get(0);
        browser.awaitTrue(() -> !browser.findAll("#calculation-list > li:first-child .state[data-state='" + state + "']").isEmpty(),
                "the calculation to show " + state, Duration.ofSeconds(60));
        return item;
    }

    private String firstCalculationId() {
        return browser.script("return document.querySelector('#calculation-list > li').dataset.calculation").asText();
    }

    @Test
    void aSessionStartedInThePageRunsSqlStopsALongCellAndShowsHtmlAsText() {
        browser.open(running.server().endpoint() + "/console");
        browser.click(browser.await("#start-session", Duration.ofSeconds(20)));
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
        browser.click(browser.await("#calculation-list > li:first-child button.stop", Duration.ofSeconds(10)));
        browser.await("#calculation-list > li:first-child .state[data-state='CANCELED']", Duration.ofSeconds(30));
        assertEquals(CalculationExecutionState.CANCELED, athena.getCalculationExecutionStatus(r -> r.calculationExecutionId(longId)).status().state());

        run("print('<b id=\"injected\">bold</b><img src=x onerror=\"window.pwned=1\">')", "COMPLETED");
        browser.awaitTrue(() -> !browser.findAll("#calculation-list > li:first-child pre.stdout").isEmpty(), "the output", Duration.ofSeconds(20));
        String shown = browser.text(browser.findAll("#calculation-list > li:first-child pre.stdout").get(0));
        assertEquals("<b id=\"injected\">bold</b><img src=x onerror=\"window.pwned=1\">", shown);
        assertEquals(List.of(), browser.findAll("#injected"));
        assertEquals(List.of(), browser.findAll("#calculation-list img"));
        assertTrue(browser.script("return window.pwned === undefined").asBoolean());

        browser.click(browser.await("#terminate-session", Duration.ofSeconds(10)));
        browser.await("#session-facts .state[data-state='TERMINATED']", Duration.ofSeconds(30));
    }

    private String shownQuery() {
        return browser.script("return document.getElementById('sql-execution').dataset.query || ''").asText();
    }

    /** Runs {@code sql} from the SQL view's editor; returns the query's id once the page shows it in {@code state}. */
    private String runSql(String sql, String state) {
        String before = shownQuery();
        browser.script("document.getElementById('sql-query').value = ''; return true");
        browser.type(browser.await("#sql-query", Duration.ofSeconds(10)), sql);
        browser.click(browser.await("#sql-run", Duration.ofSeconds(10)));
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
        browser.click(browser.await("#tab-sql", Duration.ofSeconds(20)));
        browser.await("#sessions-view[hidden]", Duration.ofSeconds(5));
        browser.click(browser.await("#sql-workgroup option[value='primary']", Duration.ofSeconds(20)));
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
        browser.click(browser.await("#sql-next", Duration.ofSeconds(5)));
        browser.awaitTrue(() -> text("#sql-rows").equals("Rows 100–150"), "the second page", Duration.ofSeconds(20));
        assertTrue(resultRows().startsWith("[[\"99\","), resultRows());
        assertTrue(browser.script("return document.getElementById('sql-next').disabled").asBoolean());
        browser.click(browser.await("#sql-previous", Duration.ofSeconds(5)));
        browser.awaitTrue(() -> text("#sql-rows").equals("Rows 1–99"), "the first page again", Duration.ofSeconds(20));

        String failed = runSql("SELECT * FROM no_such_table_in_the_console", "FAILED");
        String reason = text("#sql-reason");
        assertTrue(reason.contains("no_such_table_in_the_console"), reason);
        assertTrue(reason.startsWith(athena.getQueryExecution(r -> r.queryExecutionId(failed)).queryExecution().status().stateChangeReason()
                .lines().findFirst().orElseThrow()), reason);

        String slow = runSql("SELECT reflect('java.lang.Thread', 'sleep', cast(60000 as bigint))", "RUNNING");
        browser.click(browser.await("#sql-stop", Duration.ofSeconds(10)));
        browser.await("#sql-execution .state[data-state='CANCELLED']", Duration.ofSeconds(20));
        assertEquals(QueryExecutionState.CANCELLED, queryState(slow));
        assertEquals(List.of(), browser.findAll("#sql-stop"));

        // a request the server refuses says why, under the editor
        browser.script("document.getElementById('sql-query').value = ''; return true");
        browser.type(browser.await("#sql-query", Duration.ofSeconds(10)), "SELECT 1; SELECT 2");
        browser.click(browser.await("#sql-run", Duration.ofSeconds(10)));
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
        browser.click(browser.await("#query-list li[data-query='" + one + "']", Duration.ofSeconds(5)));
        browser.awaitTrue(() -> shownQuery().equals(one) && !browser.findAll("#sql-result").isEmpty(), "the first query's result",
                Duration.ofSeconds(20));
        assertEquals("[[\"1\",\"x\"]]", resultRows());
        browser.click(browser.await("#query-list li[data-query='" + failed + "']", Duration.ofSeconds(5)));
        browser.awaitTrue(() -> shownQuery().equals(failed) && !browser.findAll("#sql-reason").isEmpty(), "the failed query's reason",
                Duration.ofSeconds(20));
        assertTrue(text("#sql-reason").contains("no_such_table_in_the_console"));

        // a link to a query opens it; the Spark view is still there
        browser.open("about:blank"); // else only the fragment would change, and the page would not load again
        browser.open(running.server().endpoint() + "/console#query=" + paged);
        browser.await("#sql-result", Duration.ofSeconds(20));
        assertEquals(paged, shownQuery());
        browser.click(browser.await("#tab-sessions", Duration.ofSeconds(5)));
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
            browser.click(browser.await("#sign-in-submit", Duration.ofSeconds(5)));
            browser.awaitTrue(() -> browser.text(browser.await("#sign-in-reason", Duration.ofSeconds(5))).contains("InvalidSignatureException"),
                    "the page to say the keys were not accepted", Duration.ofSeconds(20));

            browser.script("document.getElementById('access-key-id').value = ''; return true");
            browser.type(browser.await("#access-key-id", Duration.ofSeconds(5)), "AKIDCONSOLE");
            browser.type(browser.await("#secret-access-key", Duration.ofSeconds(5)), "console-secret");
            browser.click(browser.await("#sign-in-submit", Duration.ofSeconds(5)));
            browser.await("#sign-in[hidden]", Duration.ofSeconds(20));
            browser.click(browser.await("#start-session", Duration.ofSeconds(20)));
            browser.await("#session-facts .state[data-state='IDLE']", Duration.ofSeconds(30));

            run("%%sql\nSELECT 'signed' AS how", "COMPLETED");
            browser.awaitTrue(() -> !browser.findAll("#calculation-list > li:first-child pre.stdout").isEmpty(), "the table", Duration.ofSeconds(20));
            assertTrue(browser.text(browser.findAll("#calculation-list > li:first-child pre.stdout").get(0)).contains("|signed|"));
            // the SQL view signs its calls too: workgroups, databases, the query, its result and the history
            browser.click(browser.await("#tab-sql", Duration.ofSeconds(5)));
            browser.await("#sql-database option[value='default']", Duration.ofSeconds(20));
            runSql("SELECT 'signed' AS how", "SUCCEEDED");
            browser.await("#sql-result", Duration.ofSeconds(20));
            assertEquals("[[\"signed\"]]", resultRows());
            browser.await("#query-list li .state[data-state='SUCCEEDED']", Duration.ofSeconds(20));
            browser.click(browser.await("#tab-sessions", Duration.ofSeconds(5)));

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

            browser.click(browser.await("#sign-out", Duration.ofSeconds(5)));
            browser.await("#sign-in:not([hidden])", Duration.ofSeconds(20));
        }
    }
}
