package io.noctua.calculation;

import io.noctua.api.CalculationExecutionState;
import io.noctua.api.StateChangeReasons;

import java.time.Instant;

import static java.util.Objects.requireNonNull;

/** A calculation as stored, without its code (which is read only by GetCalculationExecutionCode). */
public record CalculationExecution(
        String calculationExecutionId,
        String sessionId,
        String description,
        String workingDirectory,
        CalculationExecutionState state,
        String stateChangeReason,
        Instant submissionDateTime,
        Instant completionDateTime,
        long dpuExecutionInMillis,
        String progress,
        String stdOutS3Uri,
        String stdErrorS3Uri,
        String resultS3Uri,
        String resultType,
        String clientRequestToken,
        String requestFingerprint) {
    public CalculationExecution {
        requireNonNull(calculationExecutionId, "calculationExecutionId is null");
        requireNonNull(sessionId, "sessionId is null");
        requireNonNull(state, "state is null");
        requireNonNull(submissionDateTime, "submissionDateTime is null");
        requireNonNull(progress, "progress is null");
    }

    /** The record after a move to {@code next}, its reason cut to the model's length. */
    public CalculationExecution transition(CalculationExecutionState next, String reason, Instant now) {
        return new CalculationExecution(calculationExecutionId, sessionId, description, workingDirectory, next,
                reason == null ? stateChangeReason : StateChangeReasons.fit(reason), submissionDateTime, next.isTerminal() ? now : completionDateTime,
                dpuExecutionInMillis, progress, stdOutS3Uri, stdErrorS3Uri, resultS3Uri, resultType, clientRequestToken,
                requestFingerprint);
    }

    public CalculationExecution withStatistics(long dpuMillis, String newProgress) {
        return new CalculationExecution(calculationExecutionId, sessionId, description, workingDirectory, state,
                stateChangeReason, submissionDateTime, completionDateTime, dpuMillis, newProgress, stdOutS3Uri, stdErrorS3Uri,
                resultS3Uri, resultType, clientRequestToken, requestFingerprint);
    }

    public CalculationExecution withResult(String stdOut, String stdError, String result, String type) {
        return new CalculationExecution(calculationExecutionId, sessionId, description, workingDirectory, state,
                stateChangeReason, submissionDateTime, completionDateTime, dpuExecutionInMillis, progress, stdOut, stdError,
                result, type, clientRequestToken, requestFingerprint);
    }
}
