package io.noctua;

import io.noctua.testing.Browser;
import io.noctua.testing.ServerExtension;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CalculationExecutionState;
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
 * and its table, a long cell stopped from the page, and output that holds HTML shown as text.
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
