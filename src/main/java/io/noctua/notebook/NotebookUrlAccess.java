package io.noctua.notebook;

import com.fasterxml.jackson.databind.JsonNode;
import io.noctua.calculation.CalculationOutputs;
import io.noctua.console.Console;
import io.noctua.http.HttpRequest;
import io.noctua.notebook.NotebookUrls.Grant;
import io.noctua.protocol.AccessException;
import io.noctua.protocol.JsonCodec;
import io.noctua.protocol.RequestGate;

import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * What a presigned notebook URL's token opens: the calls the console's notebook view makes on its session and its
 * notebook, and no other. The session's: GetSession, GetSessionStatus, StartCalculationExecution and
 * ListCalculationExecutions on it; GetCalculationExecution(Status, Code) and StopCalculationExecution on its calculations,
 * and their outputs at {@code /console/output}. The notebook's: GetNotebookMetadata, ExportNotebook and UpdateNotebook.
 * Not CreatePresignedNotebookUrl: a token cannot make itself a newer one, so a URL opens its notebook for its lifetime
 * and no longer.
 */
public final class NotebookUrlAccess implements RequestGate.ScopedCredential {
    private static final String ATHENA = "AmazonAthena.";
    private static final Set<String> OF_SESSION = Set.of("GetSession", "GetSessionStatus", "StartCalculationExecution",
            "ListCalculationExecutions");
    private static final Set<String> OF_CALCULATION = Set.of("GetCalculationExecution", "GetCalculationExecutionStatus",
            "GetCalculationExecutionCode", "StopCalculationExecution");
    private static final Set<String> OF_NOTEBOOK = Set.of("GetNotebookMetadata", "ExportNotebook", "UpdateNotebook");

    private final NotebookUrls urls;
    private final Function<String, Optional<String>> sessionOfCalculation;
    private final Function<String, Optional<String>> workingDirectoryOfSession;

    /**
     * @param sessionOfCalculation the session a calculation belongs to
     * @param workingDirectoryOfSession the {@code s3://} working directory of a session, under which its calculations' outputs are
     */
    public NotebookUrlAccess(NotebookUrls urls, Function<String, Optional<String>> sessionOfCalculation,
                             Function<String, Optional<String>> workingDirectoryOfSession) {
        this.urls = requireNonNull(urls, "urls is null");
        this.sessionOfCalculation = requireNonNull(sessionOfCalculation, "sessionOfCalculation is null");
        this.workingDirectoryOfSession = requireNonNull(workingDirectoryOfSession, "workingDirectoryOfSession is null");
    }

    @Override
    public String header() {
        return NotebookUrls.TOKEN_HEADER;
    }

    @Override
    public void check(String token, HttpRequest request) {
        Grant grant = urls.verify(token);
        if (request.path().equals("/") && request.method().equals("POST")) {
            checkCall(grant, request);
        }
        else if (request.path().equals(Console.OUTPUT_PATH) && (request.method().equals("GET") || request.method().equals("HEAD"))) {
            checkOutput(grant, request.queryParameters().get("uri"));
        }
        else {
            throw AccessException.accessDenied("A notebook URL's token opens the calls of its notebook and session only, not "
                    + request.method() + " " + request.path());
        }
    }

    private void checkCall(Grant grant, HttpRequest request) {
        String target = request.header("X-Amz-Target").orElse("");
        String operation = target.startsWith(ATHENA) ? target.substring(ATHENA.length()) : target;
        JsonNode body;
        try {
            body = JsonCodec.mapper().readTree(request.body());
        }
        catch (Exception e) {
            body = null; // the API answers a body that is no JSON with its own error, once the call is known to be opened
        }
        String field = OF_SESSION.contains(operation) ? "SessionId"
                : OF_CALCULATION.contains(operation) ? "CalculationExecutionId"
                : OF_NOTEBOOK.contains(operation) ? "NotebookId" : null;
        if (!target.startsWith(ATHENA) || field == null) {
            throw AccessException.accessDenied("A notebook URL's token opens the calls of its notebook and session only, not " + target);
        }
        String value = body != null && body.path(field).isTextual() ? body.path(field).asText() : null;
        boolean opened = switch (field) {
            case "SessionId" -> grant.sessionId().equals(value);
            case "NotebookId" -> grant.notebookId().equals(value)
                    // the session a notebook is saved from, when one is named, is the URL's
                    && (body.path("SessionId").isMissingNode() || grant.sessionId().equals(body.path("SessionId").asText()));
            default -> value != null && sessionOfCalculation.apply(value).filter(grant.sessionId()::equals).isPresent();
        };
        if (!opened) {
            throw AccessException.accessDenied("A notebook URL's token opens session " + grant.sessionId() + ", its calculations and notebook "
                    + grant.notebookId() + " only: " + operation + " names another " + field);
        }
    }

    /** A calculation's output of the session: under {@code <working directory>/session/<session id>/}, with no dot segments. */
    private void checkOutput(Grant grant, String uri) {
        String folder = workingDirectoryOfSession.apply(grant.sessionId())
                .map(directory -> CalculationOutputs.sessionFolder(directory, grant.sessionId()).toString())
                .orElse(null);
        if (uri == null || folder == null || !uri.startsWith(folder) || uri.contains("/../") || uri.contains("/./") || uri.endsWith("/..")) {
            throw AccessException.accessDenied("A notebook URL's token opens the outputs of session " + grant.sessionId() + "'s calculations only");
        }
    }
}
