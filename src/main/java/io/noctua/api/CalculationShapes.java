package io.noctua.api;

import java.time.Instant;
import java.util.List;

/** Request and response shapes of the calculation operations, named as in the Athena model. */
public final class CalculationShapes {
    private CalculationShapes() {
    }

    public record CalculationConfiguration(String codeBlock) {
    }

    public record StartCalculationExecutionRequest(String sessionId, String description,
                                                   CalculationConfiguration calculationConfiguration, String codeBlock,
                                                   String clientRequestToken) {
    }

    public record StartCalculationExecutionResponse(String calculationExecutionId, CalculationExecutionState state) {
    }

    public record CalculationIdRequest(String calculationExecutionId) {
    }

    public record CalculationStatus(Instant submissionDateTime, Instant completionDateTime, CalculationExecutionState state,
                                    String stateChangeReason) {
    }

    public record CalculationStatistics(Long dpuExecutionInMillis, String progress) {
    }

    public record CalculationResult(String stdOutS3Uri, String stdErrorS3Uri, String resultS3Uri, String resultType) {
    }

    public record GetCalculationExecutionResponse(String calculationExecutionId, String sessionId, String description,
                                                  String workingDirectory, CalculationStatus status,
                                                  CalculationStatistics statistics, CalculationResult result) {
    }

    public record GetCalculationExecutionStatusResponse(CalculationStatus status, CalculationStatistics statistics) {
    }

    public record GetCalculationExecutionCodeResponse(String codeBlock) {
    }

    public record ListCalculationExecutionsRequest(String sessionId, CalculationExecutionState stateFilter, Integer maxResults,
                                                   String nextToken) {
    }

    public record CalculationSummary(String calculationExecutionId, String description, CalculationStatus status) {
    }

    public record ListCalculationExecutionsResponse(String nextToken, List<CalculationSummary> calculations) {
    }

    public record StopCalculationExecutionResponse(CalculationExecutionState state) {
    }
}
