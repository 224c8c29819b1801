package io.noctua.api;

import java.time.Instant;
import java.util.List;

/** The inputs and outputs of the notebook operations, named as in the Athena model. */
public final class NotebookShapes {
    private NotebookShapes() {
    }

    public record NotebookMetadata(String notebookId, String name, String workGroup, Instant creationTime, String type, Instant lastModifiedTime) {
    }

    public record CreateNotebookInput(String workGroup, String name, String clientRequestToken) {
    }

    public record ImportNotebookInput(String workGroup, String name, String payload, String type, String notebookS3LocationUri,
                                      String clientRequestToken) {
    }

    /** The output of CreateNotebook and ImportNotebook. */
    public record NotebookIdOutput(String notebookId) {
    }

    /** The input of ExportNotebook, GetNotebookMetadata and DeleteNotebook. */
    public record NotebookIdInput(String notebookId) {
    }

    public record ExportNotebookOutput(NotebookMetadata notebookMetadata, String payload) {
    }

    public record GetNotebookMetadataOutput(NotebookMetadata notebookMetadata) {
    }

    public record FilterDefinition(String name) {
    }

    public record ListNotebookMetadataInput(FilterDefinition filters, String nextToken, Integer maxResults, String workGroup) {
    }

    public record ListNotebookMetadataOutput(String nextToken, List<NotebookMetadata> notebookMetadataList) {
    }

    public record UpdateNotebookInput(String notebookId, String payload, String type, String sessionId, String clientRequestToken) {
    }

    public record UpdateNotebookMetadataInput(String notebookId, String clientRequestToken, String name) {
    }

    /** The empty output of UpdateNotebook, UpdateNotebookMetadata and DeleteNotebook. */
    public record NotebookChanged() {
    }

    public record ListNotebookSessionsInput(String notebookId, Integer maxResults, String nextToken) {
    }

    public record NotebookSessionSummary(String sessionId, Instant creationTime) {
    }

    public record ListNotebookSessionsOutput(List<NotebookSessionSummary> notebookSessionsList, String nextToken) {
    }

    public record CreatePresignedNotebookUrlInput(String sessionId) {
    }

    /** {@code authTokenExpirationTime}: in seconds since the epoch. */
    public record CreatePresignedNotebookUrlOutput(String notebookUrl, String authToken, long authTokenExpirationTime) {
    }
}
