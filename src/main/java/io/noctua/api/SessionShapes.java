package io.noctua.api;

import io.noctua.api.MonitoringShapes.MonitoringConfiguration;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Request and response shapes of the session operations, named as in the Athena model. */
public final class SessionShapes {
    private SessionShapes() {
    }

    public record Classification(String name, Map<String, String> properties) {
    }

    public record EngineConfiguration(Integer coordinatorDpuSize, Integer maxConcurrentDpus, Integer defaultExecutorDpuSize,
                                      Map<String, String> additionalConfigs, Map<String, String> sparkProperties,
                                      List<Classification> classifications) {
    }

    public record StartSessionRequest(String description, String workGroup, EngineConfiguration engineConfiguration,
                                      String executionRole, MonitoringConfiguration monitoringConfiguration, String notebookVersion,
                                      Integer sessionIdleTimeoutInMinutes, String clientRequestToken,
                                      List<WorkGroupShapes.Tag> tags, Boolean copyWorkGroupTags) {
    }

    public record StartSessionResponse(String sessionId, SessionState state) {
    }

    public record SessionIdRequest(String sessionId) {
    }

    public record SessionStatus(Instant startDateTime, Instant lastModifiedDateTime, Instant endDateTime,
                                Instant idleSinceDateTime, SessionState state, String stateChangeReason) {
    }

    public record SessionStatistics(Long dpuExecutionInMillis) {
    }

    public record SessionConfiguration(String executionRole, String workingDirectory, Long idleTimeoutSeconds,
                                       Integer sessionIdleTimeoutInMinutes) {
    }

    public record GetSessionResponse(String sessionId, String description, String workGroup, String engineVersion,
                                     EngineConfiguration engineConfiguration, String notebookVersion,
                                     MonitoringConfiguration monitoringConfiguration, SessionConfiguration sessionConfiguration,
                                     SessionStatus status, SessionStatistics statistics) {
    }

    public record GetSessionStatusResponse(String sessionId, SessionStatus status) {
    }

    public record GetSessionEndpointResponse(String endpointUrl, String authToken, Instant authTokenExpirationTime) {
    }

    public record ListSessionsRequest(String workGroup, SessionState stateFilter, Integer maxResults, String nextToken) {
    }

    public record SessionSummary(String sessionId, String description, WorkGroupShapes.EngineVersion engineVersion,
                                 String notebookVersion, SessionStatus status) {
    }

    public record ListSessionsResponse(String nextToken, List<SessionSummary> sessions) {
    }

    public record TerminateSessionResponse(SessionState state) {
    }

    public record ListExecutorsRequest(String sessionId, ExecutorState executorStateFilter, Integer maxResults, String nextToken) {
    }

    public record ExecutorsSummary(String executorId, ExecutorType executorType, Long startDateTime, Long terminationDateTime,
                                   ExecutorState executorState, Long executorSize) {
    }

    public record ListExecutorsResponse(String sessionId, String nextToken, List<ExecutorsSummary> executorsSummary) {
    }
}
