package io.noctua;

import io.noctua.testing.Athena;
import io.noctua.testing.Commands;
import io.noctua.testing.PythonPackages;
import io.noctua.testing.ServerExtension;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.InvalidRequestException;
import software.amazon.awssdk.services.athena.model.ListNotebookMetadataResponse;
import software.amazon.awssdk.services.athena.model.NotebookMetadata;
import software.amazon.awssdk.services.athena.model.NotebookType;
import software.amazon.awssdk.services.athena.model.ResourceNotFoundException;

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
        assertEquals("WorkGroup no-such-work-group is not found.", refused(() -> athena.createNotebook(r -> r.workGroup("no-such-work-group").name("n"))));
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

    private static String refused(Runnable call) {
        return assertThrows(InvalidRequestException.class, call::run).awsErrorDetails().errorMessage();
    }
}
