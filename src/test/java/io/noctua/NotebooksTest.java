package io.noctua;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.noctua.http.Percent;
import io.noctua.notebook.NotebookUrls;
import io.noctua.testing.Athena;
import io.noctua.testing.RawHttp;
import io.noctua.testing.Commands;
import io.noctua.testing.PythonPackages;
import io.noctua.testing.ServerExtension;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CreatePresignedNotebookUrlResponse;
import software.amazon.awssdk.services.athena.model.GetCalculationExecutionResponse;
import software.amazon.awssdk.services.athena.model.InvalidRequestException;
import software.amazon.awssdk.services.athena.model.ListNotebookMetadataResponse;
import software.amazon.awssdk.services.athena.model.NotebookMetadata;
import software.amazon.awssdk.services.athena.model.NotebookType;
import software.amazon.awssdk.services.athena.model.ResourceNotFoundException;
import software.amazon.awssdk.services.athena.model.SessionState;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The notebook operations through the AWS SDK for Java v2, and a notebook's round trip through boto3 and Jupyter's nbformat. */
class NotebooksTest {
    private static final Path SCRIPT = Path.of("src", "test", "python", "athena_boto3_notebooks.py").toAbsolutePath();
    private static final String NOTEBOOK = "{\"cells\": [{\"cell_type\": \"code\", \"source\": \"print(1)\", \"metadata\": {}, "
            + "\"outputs\": [], \"execution_count\": null}], \"metadata\": {}, \"nbformat\": 4, \"nbformat_minor\": 5}";

    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private final AthenaClient athena = running.client();

    private String newWorkGroup() {
        String name = "notebooks-" + UUID.randomUUID().toString().substring(0, 8);
        athena.createWorkGroup(r -> r.name(name));
        return name;
    }

    @Test
    void notebooksAreMadeListedRenamedUpdatedAndDeleted() {
        String workGroup = newWorkGroup();
        String empty = athena.createNotebook(r -> r.workGroup(workGroup).name("empty")).notebookId();
        assertTrue(empty.matches("[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}"), empty);
        assertEquals("{\"cells\":[],\"metadata\":{},\"nbformat\":4,\"nbformat_minor\":5}", athena.exportNotebook(r -> r.notebookId(empty)).payload());
        String imported = athena.importNotebook(r -> r.workGroup(workGroup).name("daily report").type(NotebookType.IPYNB).payload(NOTEBOOK))
                .notebookId();
        athena.importNotebook(r -> r.workGroup(workGroup).name("weekly report").type(NotebookType.IPYNB).payload(NOTEBOOK));

        NotebookMetadata metadata = athena.getNotebookMetadata(r -> r.notebookId(imported)).notebookMetadata();
        assertEquals("daily report", metadata.name());
        assertEquals(workGroup, metadata.workGroup());
        assertEquals(NotebookType.IPYNB, metadata.type());
        assertNotNull(metadata.creationTime());
        assertEquals(NOTEBOOK, athena.exportNotebook(r -> r.notebookId(imported)).payload(), "the document comes back as it was given");

        List<String> names = new ArrayList<>();
        String token = null;
        do {
            String next = token;
            ListNotebookMetadataResponse page = athena.listNotebookMetadata(r -> r.workGroup(workGroup).maxResults(2).nextToken(next));
            page.notebookMetadataList().forEach(notebook -> names.add(notebook.name()));
            token = page.nextToken();
        } while (token != null);
        assertEquals(List.of("daily report", "empty", "weekly report"), names);
        assertEquals(List.of("daily report", "weekly report"), athena.listNotebookMetadata(r -> r.workGroup(workGroup).filters(f -> f.name("report")))
                .notebookMetadataList().stream().map(NotebookMetadata::name).toList());

        athena.updateNotebookMetadata(r -> r.notebookId(imported).name("daily"));
        assertEquals("daily", athena.getNotebookMetadata(r -> r.notebookId(imported)).notebookMetadata().name());
        assertEquals("A notebook named empty already exists in workgroup " + workGroup, refused(() ->
                athena.updateNotebookMetadata(r -> r.notebookId(imported).name("empty"))));
        athena.updateNotebook(r -> r.notebookId(empty).type(NotebookType.IPYNB).payload(NOTEBOOK));
        assertEquals(NOTEBOOK, athena.exportNotebook(r -> r.notebookId(empty)).payload());

        athena.deleteNotebook(r -> r.notebookId(empty));
        assertEquals("Notebook " + empty + " was not found.", refused(() -> athena.getNotebookMetadata(r -> r.notebookId(empty))));

        // a workgroup with notebooks is not empty; deleted recursively, its notebooks go with it
        assertThrows(InvalidRequestException.class, () -> athena.deleteWorkGroup(r -> r.workGroup(workGroup)));
        athena.deleteWorkGroup(r -> r.workGroup(workGroup).recursiveDeleteOption(true));
        assertEquals("Notebook " + imported + " was not found.", refused(() -> athena.exportNotebook(r -> r.notebookId(imported))));
    }

    @Test
    void badNotebooksAreRefusedAndNothingIsKept() {
        String workGroup = newWorkGroup();
        assertEquals("Give the notebook either as Payload or as NotebookS3LocationUri, not neither",
                refused(() -> athena.importNotebook(r -> r.workGroup(workGroup).name("n").type(NotebookType.IPYNB))));
        assertTrue(refused(() -> athena.importNotebook(r -> r.workGroup(workGroup).name("n").type(NotebookType.IPYNB).payload("not json")))
                .startsWith("The notebook is not JSON"));
        assertTrue(refused(() -> athena.importNotebook(r -> r.workGroup(workGroup).name("n").type(NotebookType.IPYNB)
                .payload("{\"cells\": [], \"nbformat\": 3}"))).startsWith("The notebook is not an .ipynb document of nbformat 4"));
        assertTrue(refused(() -> athena.importNotebook(r -> r.workGroup(workGroup).name("n").type(NotebookType.IPYNB)
                .notebookS3LocationUri("s3://noctua-results/no/such.ipynb"))).startsWith("The notebook at s3://noctua-results/no/such.ipynb cannot be read"));
        assertEquals("WorkGroup is not found.", refused(() -> athena.createNotebook(r -> r.workGroup("no-such-work-group").name("n"))));
        assertEquals(List.of(), athena.listNotebookMetadata(r -> r.workGroup(workGroup)).notebookMetadataList(), "nothing was kept");

        String token = UUID.randomUUID().toString();
        String first = athena.createNotebook(r -> r.workGroup(workGroup).name("once").clientRequestToken(token)).notebookId();
        assertEquals(first, athena.createNotebook(r -> r.workGroup(workGroup).name("once").clientRequestToken(token)).notebookId(),
                "a repeated ClientRequestToken answers with the notebook it made");
        assertThrows(ResourceNotFoundException.class, () -> athena.listNotebookSessions(r -> r.notebookId(UUID.randomUUID().toString())));
        assertEquals("NotebookVersion Jupyter 7 is not valid: the only notebook version is Athena notebook version 1", refused(() ->
                athena.startSession(r -> r.workGroup(Athena.SPARK_WORK_GROUP).notebookVersion("Jupyter 7").engineConfiguration(e -> e.maxConcurrentDpus(4)))));
        String missing = UUID.randomUUID().toString();
        assertEquals("Notebook " + missing + " was not found.", refused(() -> athena.startSession(r -> r.workGroup(Athena.SPARK_WORK_GROUP)
                .engineConfiguration(e -> e.maxConcurrentDpus(4).additionalConfigs(Map.of("NotebookId", missing))))));
    }

    @Test
    void aNotebookWrittenByNbformatRunsInItsSessionAndIsReadBackWithItsOutputs() {
        String missing = Commands.missing(List.of("python3", "-c", "import boto3"));
        assumeTrue(missing == null, missing);
        String pythonPath = PythonPackages.ensure("nbformat", "nbformat");
        assumeTrue(pythonPath != null, "nbformat cannot be installed here");
        assertTrue(Files.isRegularFile(SCRIPT), "missing " + SCRIPT);
        try (TestingServer server = TestingServer.start(TestingServer.temporaryDirectory("noctua-notebooks-"),
                Map.of("s3.embedded", "true", "s3.port", "0"))) {
            Commands.Result result = Commands.run(List.of("python3", SCRIPT.toString(), server.endpoint().toString(),
                    server.server().s3Endpoint().orElseThrow(), "noctua", "noctua-secret-key"), Map.of("PYTHONPATH", pythonPath),
                    Duration.ofSeconds(180));
            assertEquals(0, result.exitCode(), "the notebook round trip failed:\n" + result);
        }
    }

    @Test
    void aPresignedUrlOpensItsSessionAndNotebookForItsLifetimeOnly() {
        String notebookId = athena.importNotebook(r -> r.workGroup(Athena.SPARK_WORK_GROUP).name("presigned " + UUID.randomUUID())
                .type(NotebookType.IPYNB).payload(NOTEBOOK)).notebookId();
        String sessionId = Athena.startNotebookSession(athena, notebookId);
        String plainSession = Athena.startIdleSession(athena);
        Athena.awaitSession(athena, sessionId, SessionState.IDLE);

        long before = System.currentTimeMillis() / 1000;
        CreatePresignedNotebookUrlResponse url = athena.createPresignedNotebookUrl(r -> r.sessionId(sessionId));
        String token = url.authToken();
        URI endpoint = running.server().endpoint();
        String name = athena.getNotebookMetadata(r -> r.notebookId(notebookId)).notebookMetadata().name();
        assertEquals(endpoint + "/console/notebook/" + name.replace(" ", "%20") + ".ipynb#session=" + sessionId + "&token=" + token,
                url.notebookUrl());
        // Athena's lifetime: ten minutes, in epoch seconds
        assertTrue(Math.abs(url.authTokenExpirationTime() - (before + 600)) <= 5, String.valueOf(url.authTokenExpirationTime()));
        // the page the URL opens is served without a signature
        RawHttp.Answer page = RawHttp.exchange(endpoint, "GET " + URI.create(url.notebookUrl()).getRawPath() + " HTTP/1.1\r\nHost: "
                + endpoint.getHost() + ":" + endpoint.getPort() + "\r\nConnection: close\r\n\r\n");
        assertEquals(200, page.status());
        assertTrue(page.body().contains("notebook.js"), page.body());

        // what the token opens: its session, its calculations, their outputs and its notebook
        assertEquals(200, withToken(token, "GetSession", "{\"SessionId\": \"" + sessionId + "\"}").status());
        assertEquals(200, withToken(token, "ExportNotebook", "{\"NotebookId\": \"" + notebookId + "\"}").status());
        RawHttp.Answer started = withToken(token, "StartCalculationExecution", "{\"SessionId\": \"" + sessionId + "\", \"CodeBlock\": \"print(6 * 7)\"}");
        assertEquals(200, started.status(), started.body());
        String calculationId = started.json().path("CalculationExecutionId").asText();
        GetCalculationExecutionResponse done = Athena.awaitCalculation(athena, calculationId);
        assertEquals(200, withToken(token, "GetCalculationExecution", "{\"CalculationExecutionId\": \"" + calculationId + "\"}").status());
        RawHttp.Answer stdout = RawHttp.exchange(endpoint, "GET /console/output?uri=" + Percent.encode(done.result().stdOutS3Uri(), false)
                + " HTTP/1.1\r\nHost: " + endpoint.getHost() + ":" + endpoint.getPort() + "\r\n" + NotebookUrls.TOKEN_HEADER + ": " + token
                + "\r\nConnection: close\r\n\r\n");
        assertEquals(200, stdout.status(), stdout.body());
        assertEquals("42\n", stdout.body());
        String update = "{\"NotebookId\": \"" + notebookId + "\", \"Type\": \"IPYNB\", \"SessionId\": \"" + sessionId + "\", \"Payload\": "
                + new ObjectMapper().valueToTree(NOTEBOOK) + "}";
        assertEquals(200, withToken(token, "UpdateNotebook", update).status());
        // with an active session, an update names the session it was made in
        assertTrue(refused(() -> athena.updateNotebook(r -> r.notebookId(notebookId).type(NotebookType.IPYNB).payload(NOTEBOOK)))
                .contains("SessionId is required"));

        // and nothing else
        String otherCalculation = Athena.startCalculation(athena, plainSession, "print(1)");
        List<String[]> closed = List.of(
                new String[] {"GetSession", "{\"SessionId\": \"" + plainSession + "\"}"},
                new String[] {"StartCalculationExecution", "{\"SessionId\": \"" + plainSession + "\", \"CodeBlock\": \"print(1)\"}"},
                new String[] {"GetCalculationExecution", "{\"CalculationExecutionId\": \"" + otherCalculation + "\"}"},
                new String[] {"StopCalculationExecution", "{\"CalculationExecutionId\": \"" + UUID.randomUUID() + "\"}"},
                new String[] {"TerminateSession", "{\"SessionId\": \"" + sessionId + "\"}"},
                new String[] {"CreatePresignedNotebookUrl", "{\"SessionId\": \"" + sessionId + "\"}"},
                new String[] {"ListWorkGroups", "{}"},
                new String[] {"UpdateNotebook", update.replace(sessionId, plainSession)},
                new String[] {"DeleteNotebook", "{\"NotebookId\": \"" + notebookId + "\"}"});
        for (String[] call : closed) {
            RawHttp.Answer answer = withToken(token, call[0], call[1]);
            assertEquals(403, answer.status(), call[0] + ": " + answer.body());
            assertEquals("AccessDeniedException", answer.type(), call[0] + ": " + answer.body());
        }
        String otherOutput = "s3://" + done.result().stdOutS3Uri().substring(5).replace(sessionId, plainSession);
        for (String uri : List.of(otherOutput, done.result().stdOutS3Uri().replace(calculationId + "/stdout", "../" + plainSession + "/x"))) {
            RawHttp.Answer answer = RawHttp.exchange(endpoint, "GET /console/output?uri=" + Percent.encode(uri, false) + " HTTP/1.1\r\nHost: "
                    + endpoint.getHost() + ":" + endpoint.getPort() + "\r\n" + NotebookUrls.TOKEN_HEADER + ": " + token
                    + "\r\nConnection: close\r\n\r\n");
            assertEquals(403, answer.status(), uri + ": " + answer.body());
        }
        RawHttp.Answer forged = withToken(token.substring(0, token.length() - 2) + (token.endsWith("AA") ? "BB" : "AA"), "GetSession",
                "{\"SessionId\": \"" + sessionId + "\"}");
        assertEquals(403, forged.status());
        assertTrue(forged.message().contains("not valid"), forged.body());

        // a session without a notebook, an unknown one and an ended one have no URL
        assertTrue(refused(() -> athena.createPresignedNotebookUrl(r -> r.sessionId(plainSession))).contains("is not a notebook session"));
        assertTrue(refused(() -> athena.createPresignedNotebookUrl(r -> r.sessionId(UUID.randomUUID().toString()))).contains("not found"));
        athena.terminateSession(r -> r.sessionId(sessionId));
        athena.terminateSession(r -> r.sessionId(plainSession));
        Athena.awaitSession(athena, sessionId, SessionState.TERMINATED);
        assertTrue(refused(() -> athena.createPresignedNotebookUrl(r -> r.sessionId(sessionId))).contains("is TERMINATED"));
    }

    @Test
    void anExpiredPresignedUrlIsRefused() {
        try (TestingServer server = TestingServer.start(TestingServer.temporaryDirectory("noctua-notebook-url-"),
                Map.of("notebook.url-lifetime", "1s"))) {
            AthenaClient client = server.client();
            String notebookId = client.createNotebook(r -> r.workGroup(Athena.SPARK_WORK_GROUP).name("short-lived")).notebookId();
            String sessionId = Athena.startNotebookSession(client, notebookId);
            String token = client.createPresignedNotebookUrl(r -> r.sessionId(sessionId)).authToken();
            assertEquals(200, withToken(server.endpoint(), token, "ExportNotebook", "{\"NotebookId\": \"" + notebookId + "\"}").status());
            Athena.sleep(1100);
            RawHttp.Answer expired = withToken(server.endpoint(), token, "ExportNotebook", "{\"NotebookId\": \"" + notebookId + "\"}");
            assertEquals(403, expired.status());
            assertEquals("AccessDeniedException", expired.type());
            assertTrue(expired.message().contains("expired at") && expired.message().contains("CreatePresignedNotebookUrl"), expired.body());
            client.terminateSession(r -> r.sessionId(sessionId));
        }
    }

    private RawHttp.Answer withToken(String token, String operation, String body) {
        return withToken(running.server().endpoint(), token, operation, body);
    }

    private static RawHttp.Answer withToken(URI endpoint, String token, String operation, String body) {
        return RawHttp.exchange(endpoint, RawHttp.athenaRequest(endpoint, operation, body, "Content-Type: application/x-amz-json-1.1\r\n"
                + NotebookUrls.TOKEN_HEADER + ": " + token + "\r\n"));
    }

    private static String refused(Runnable call) {
        return assertThrows(InvalidRequestException.class, call::run).awsErrorDetails().errorMessage();
    }
}
