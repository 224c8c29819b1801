package io.noctua.notebook;

import com.fasterxml.jackson.databind.JsonNode;
import io.noctua.api.InvalidRequestException;
import io.noctua.api.NotebookShapes.CreateNotebookInput;
import io.noctua.api.NotebookShapes.ExportNotebookOutput;
import io.noctua.api.NotebookShapes.GetNotebookMetadataOutput;
import io.noctua.api.NotebookShapes.ImportNotebookInput;
import io.noctua.api.NotebookShapes.ListNotebookMetadataInput;
import io.noctua.api.NotebookShapes.ListNotebookMetadataOutput;
import io.noctua.api.NotebookShapes.ListNotebookSessionsInput;
import io.noctua.api.NotebookShapes.ListNotebookSessionsOutput;
import io.noctua.api.NotebookShapes.NotebookChanged;
import io.noctua.api.NotebookShapes.NotebookIdInput;
import io.noctua.api.NotebookShapes.NotebookIdOutput;
import io.noctua.api.NotebookShapes.NotebookMetadata;
import io.noctua.api.NotebookShapes.NotebookSessionSummary;
import io.noctua.api.NotebookShapes.UpdateNotebookInput;
import io.noctua.api.NotebookShapes.UpdateNotebookMetadataInput;
import io.noctua.api.PageTokens;
import io.noctua.api.ResourceNotFoundException;
import io.noctua.api.SessionShapes.StartSessionRequest;
import io.noctua.api.SessionState;
import io.noctua.protocol.JsonCodec;
import io.noctua.results.ResultStore;
import io.noctua.results.S3Location;
import io.noctua.session.Session;
import io.noctua.workgroup.WorkGroupService;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Predicate;

import static java.util.Objects.requireNonNull;

/**
 * Athena's notebooks: .ipynb documents kept in the store, per workgroup, with a name unique in it. A notebook is made
 * empty (CreateNotebook) or from a document (ImportNotebook: a payload, or an object in S3), read back whole
 * (ExportNotebook), replaced (UpdateNotebook) and renamed (UpdateNotebookMetadata). Every document is checked to be a
 * notebook in nbformat 4's JSON (an object with a list of cells) before it is kept. A session belongs to a notebook when
 * it was started with {@code AdditionalConfigs {"NotebookId": ...}} (ListNotebookSessions).
 */
public final class NotebookService {
    public static final String IPYNB = "IPYNB";
    /** What Athena allows a notebook's document to be. */
    public static final int MAX_PAYLOAD = 10 * 1024 * 1024;
    /** The key of a session's AdditionalConfigs that names its notebook. */
    public static final String NOTEBOOK_ID_CONFIG = "NotebookId";
    /** An empty notebook, as Jupyter writes one. */
    static final String EMPTY = "{\"cells\":[],\"metadata\":{},\"nbformat\":4,\"nbformat_minor\":5}";
    private static final int DEFAULT_PAGE = 50;
    private static final int SESSIONS_PAGE = 10;
    private static final Set<SessionState> ACTIVE = Set.of(SessionState.CREATING, SessionState.CREATED, SessionState.IDLE, SessionState.BUSY);

    private final NotebookStore store;
    private final Predicate<String> workGroupExists;
    private final Function<String, List<Session>> sessionsOfWorkGroup;
    private final ResultStore s3;
    private final Clock clock;

    /**
     * @param sessionsOfWorkGroup a workgroup's sessions, newest first, as they are now
     * @param s3 where an imported notebook's {@code s3://} location is read
     */
    public NotebookService(NotebookStore store, Predicate<String> workGroupExists, Function<String, List<Session>> sessionsOfWorkGroup,
                           ResultStore s3, Clock clock) {
        this.store = requireNonNull(store, "store is null");
        this.workGroupExists = requireNonNull(workGroupExists, "workGroupExists is null");
        this.sessionsOfWorkGroup = requireNonNull(sessionsOfWorkGroup, "sessionsOfWorkGroup is null");
        this.s3 = requireNonNull(s3, "s3 is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    public NotebookIdOutput create(CreateNotebookInput input) {
        return new NotebookIdOutput(make(input.workGroup(), input.name(), EMPTY, input.clientRequestToken()));
    }

    public NotebookIdOutput importNotebook(ImportNotebookInput input) {
        requireType(input.type());
        boolean payload = input.payload() != null;
        if (payload == (input.notebookS3LocationUri() != null)) {
            throw new InvalidRequestException("Give the notebook either as Payload or as NotebookS3LocationUri, not "
                    + (payload ? "both" : "neither"));
        }
        String document = payload ? input.payload() : read(input.notebookS3LocationUri());
        return new NotebookIdOutput(make(input.workGroup(), input.name(), checked(document), input.clientRequestToken()));
    }

    public ExportNotebookOutput export(NotebookIdInput input) {
        Notebook notebook = existing(input.notebookId());
        // deleted between the two reads: as if it had been before
        String payload = store.payload(notebook.notebookId()).orElseThrow(() -> notFound(notebook.notebookId()));
        return new ExportNotebookOutput(metadata(notebook), payload);
    }

    public GetNotebookMetadataOutput getMetadata(NotebookIdInput input) {
        return new GetNotebookMetadataOutput(metadata(existing(input.notebookId())));
    }

    /** In name order; {@code Filters.Name} keeps the notebooks whose name contains it. */
    public ListNotebookMetadataOutput listMetadata(ListNotebookMetadataInput input) {
        requireWorkGroup(input.workGroup());
        String contains = input.filters() == null ? null : input.filters().name();
        PageTokens.KeyPage<Notebook> page = PageTokens.KeyPage.read("notebooks:" + input.workGroup(), input.nextToken(), input.maxResults(),
                DEFAULT_PAGE, (after, limit) -> store.list(input.workGroup(), contains, after, limit), Notebook::name);
        return new ListNotebookMetadataOutput(page.nextToken(), page.map(NotebookService::metadata));
    }

    public NotebookChanged update(UpdateNotebookInput input) {
        requireType(input.type());
        Notebook notebook = existing(input.notebookId());
        List<Session> active = sessionsOf(notebook);
        if (input.sessionId() == null && !active.isEmpty()) { // Athena: required if the notebook has an active session
            throw new InvalidRequestException("SessionId is required: notebook " + notebook.notebookId() + " has an active session ("
                    + active.get(0).sessionId() + "); name the session the notebook was edited in");
        }
        if (input.sessionId() != null && active.stream().noneMatch(session -> session.sessionId().equals(input.sessionId()))) {
            throw new InvalidRequestException("Session " + input.sessionId() + " is not an active session of notebook " + notebook.notebookId());
        }
        store.updatePayload(notebook.notebookId(), checked(input.payload()), clock.instant());
        return new NotebookChanged();
    }

    public NotebookChanged updateMetadata(UpdateNotebookMetadataInput input) {
        Notebook notebook = existing(input.notebookId());
        if (!store.rename(notebook.notebookId(), input.name(), clock.instant())) {
            throw nameTaken(notebook.workGroup(), input.name());
        }
        return new NotebookChanged();
    }

    public NotebookChanged delete(NotebookIdInput input) {
        if (!store.delete(input.notebookId())) {
            throw notFound(input.notebookId());
        }
        return new NotebookChanged();
    }

    /** The notebook's sessions that are not ended (CREATING, CREATED, IDLE, BUSY), newest first. */
    public ListNotebookSessionsOutput listSessions(ListNotebookSessionsInput input) {
        Notebook notebook = store.get(input.notebookId())
                .orElseThrow(() -> new ResourceNotFoundException("Notebook " + input.notebookId() + " was not found.", input.notebookId()));
        List<Session> sessions = sessionsOf(notebook);
        PageTokens.Window window = PageTokens.Window.of("notebook-sessions:" + notebook.notebookId(), input.nextToken(),
                input.maxResults() == null ? null : Math.min(input.maxResults(), SESSIONS_PAGE), sessions.size(), SESSIONS_PAGE);
        List<NotebookSessionSummary> page = new ArrayList<>();
        for (Session session : sessions.subList(window.from(), window.to())) {
            page.add(new NotebookSessionSummary(session.sessionId(), session.startDateTime()));
        }
        return new ListNotebookSessionsOutput(page, window.nextToken());
    }

    /**
     * Checks what a StartSession says of a notebook before the session starts: NotebookVersion is Athena's one notebook
     * version, and {@code AdditionalConfigs {"NotebookId": ...}} names a notebook of the session's workgroup.
     */
    public void checkSessionStart(StartSessionRequest request) {
        if (request.notebookVersion() != null && !WorkGroupService.NOTEBOOK_RUNTIME.equals(request.notebookVersion())) {
            throw new InvalidRequestException("NotebookVersion " + request.notebookVersion() + " is not valid: the only notebook version is "
                    + WorkGroupService.NOTEBOOK_RUNTIME);
        }
        Map<String, String> configs = request.engineConfiguration() == null ? null : request.engineConfiguration().additionalConfigs();
        String notebookId = configs == null ? null : configs.get(NOTEBOOK_ID_CONFIG);
        if (notebookId != null) {
            Notebook notebook = existing(notebookId);
            if (!notebook.workGroup().equals(request.workGroup())) {
                throw new InvalidRequestException("Notebook " + notebookId + " belongs to workgroup " + notebook.workGroup() + ", not "
                        + request.workGroup());
            }
        }
    }

    private List<Session> sessionsOf(Notebook notebook) {
        return sessionsOfWorkGroup.apply(notebook.workGroup()).stream()
                .filter(session -> ACTIVE.contains(session.state()))
                .filter(session -> {
                    Map<String, String> configs = session.engineConfiguration().additionalConfigs();
                    return configs != null && notebook.notebookId().equals(configs.get(NOTEBOOK_ID_CONFIG));
                })
                .toList();
    }

    private String make(String workGroup, String name, String payload, String clientRequestToken) {
        requireWorkGroup(workGroup);
        if (clientRequestToken != null) {
            java.util.Optional<Notebook> earlier = store.byClientRequestToken(clientRequestToken);
            if (earlier.isPresent()) {
                if (!earlier.get().workGroup().equals(workGroup) || !earlier.get().name().equals(name)) {
                    throw new InvalidRequestException("ClientRequestToken " + clientRequestToken + " was used for another notebook");
                }
                return earlier.get().notebookId();
            }
        }
        Instant now = clock.instant();
        Notebook notebook = new Notebook(UUID.randomUUID().toString(), workGroup, name, IPYNB, now, now);
        if (!store.insert(notebook, payload, clientRequestToken)) {
            throw nameTaken(workGroup, name);
        }
        return notebook.notebookId();
    }

    private String read(String uri) {
        if (!S3Location.isValid(uri)) {
            throw new InvalidRequestException("NotebookS3LocationUri " + uri + " is not an s3:// location Noctua can read");
        }
        byte[] content;
        try {
            content = s3.read(S3Location.parse(uri));
        }
        catch (RuntimeException e) {
            throw new InvalidRequestException("The notebook at " + uri + " cannot be read: " + e.getMessage());
        }
        if (content.length > MAX_PAYLOAD) {
            throw new InvalidRequestException("The notebook at " + uri + " has " + content.length + " bytes; a notebook has at most " + MAX_PAYLOAD);
        }
        return new String(content, StandardCharsets.UTF_8);
    }

    /** The document, if it is a notebook in nbformat 4's JSON. */
    private static String checked(String payload) {
        if (payload == null) {
            throw new InvalidRequestException("Payload is required");
        }
        JsonNode document;
        try {
            document = JsonCodec.mapper().readTree(payload);
        }
        catch (Exception e) {
            throw new InvalidRequestException("The notebook is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (document == null || !document.isObject() || !document.path("cells").isArray() || document.path("nbformat").asInt() != 4) {
            throw new InvalidRequestException("The notebook is not an .ipynb document of nbformat 4: an object with \"nbformat\": 4 and a list of \"cells\"");
        }
        return payload;
    }

    private static void requireType(String type) {
        if (!IPYNB.equals(type)) {
            throw new InvalidRequestException("Type " + type + " is not a notebook type: IPYNB");
        }
    }

    private void requireWorkGroup(String workGroup) {
        if (workGroup == null || !workGroupExists.test(workGroup)) {
            throw WorkGroupService.notFound(); // Athena's words, as every call on one workgroup answers
        }
    }

    private Notebook existing(String notebookId) {
        return store.get(notebookId).orElseThrow(() -> notFound(notebookId));
    }

    private static InvalidRequestException notFound(String notebookId) {
        return new InvalidRequestException("Notebook " + notebookId + " was not found.");
    }

    private static InvalidRequestException nameTaken(String workGroup, String name) {
        return new InvalidRequestException("A notebook named " + name + " already exists in workgroup " + workGroup);
    }

    private static NotebookMetadata metadata(Notebook notebook) {
        return new NotebookMetadata(notebook.notebookId(), notebook.name(), notebook.workGroup(), notebook.creationTime(), notebook.type(),
                notebook.lastModifiedTime());
    }
}
