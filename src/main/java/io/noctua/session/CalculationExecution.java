package io.noctua.session;

import io.noctua.api.CalculationExecutionState;
import io.noctua.api.StateChangeReasons;

import java.time.Instant;

import static java.util.Objects.requireNonNull;

/**
 * A calculation as stored, without its code (which only GetCalculationExecutionCode reads). It
 * belongs to its session: the session's {@link SessionMachine} makes every change to it. Made by
 * name, through {@link #builder()} or {@link #toBuilder()}.
 */
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

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder()
                .calculationExecutionId(calculationExecutionId).sessionId(sessionId).description(description)
                .workingDirectory(workingDirectory).state(state).stateChangeReason(stateChangeReason)
                .submissionDateTime(submissionDateTime).completionDateTime(completionDateTime)
                .dpuExecutionInMillis(dpuExecutionInMillis).progress(progress).stdOutS3Uri(stdOutS3Uri).stdErrorS3Uri(stdErrorS3Uri)
                .resultS3Uri(resultS3Uri).resultType(resultType).clientRequestToken(clientRequestToken).requestFingerprint(requestFingerprint);
    }

    /** The record after a move to {@code next} at {@code now}, its reason cut to the model's length (null keeps it). */
    public CalculationExecution transition(CalculationExecutionState next, String reason, Instant now) {
        return toBuilder()
                .state(next)
                .stateChangeReason(reason == null ? stateChangeReason : StateChangeReasons.fit(reason))
                .completionDateTime(next.isTerminal() ? now : completionDateTime)
                .build();
    }

    public CalculationExecution withStatistics(long dpuMillis, String newProgress) {
        return toBuilder().dpuExecutionInMillis(dpuMillis).progress(newProgress).build();
    }

    /** Sets each member by name; {@link #build()} checks the required ones. */
    public static final class Builder {
        private String calculationExecutionId;
        private String sessionId;
        private String description;
        private String workingDirectory;
        private CalculationExecutionState state;
        private String stateChangeReason;
        private Instant submissionDateTime;
        private Instant completionDateTime;
        private long dpuExecutionInMillis;
        private String progress;
        private String stdOutS3Uri;
        private String stdErrorS3Uri;
        private String resultS3Uri;
        private String resultType;
        private String clientRequestToken;
        private String requestFingerprint;

        private Builder() {
        }

        public Builder calculationExecutionId(String value) {
            calculationExecutionId = value;
            return this;
        }

        public Builder sessionId(String value) {
            sessionId = value;
            return this;
        }

        public Builder description(String value) {
            description = value;
            return this;
        }

        public Builder workingDirectory(String value) {
            workingDirectory = value;
            return this;
        }

        public Builder state(CalculationExecutionState value) {
            state = value;
            return this;
        }

        public Builder stateChangeReason(String value) {
            stateChangeReason = value;
            return this;
        }

        public Builder submissionDateTime(Instant value) {
            submissionDateTime = value;
            return this;
        }

        public Builder completionDateTime(Instant value) {
            completionDateTime = value;
            return this;
        }

        public Builder dpuExecutionInMillis(long value) {
            dpuExecutionInMillis = value;
            return this;
        }

        public Builder progress(String value) {
            progress = value;
            return this;
        }

        public Builder stdOutS3Uri(String value) {
            stdOutS3Uri = value;
            return this;
        }

        public Builder stdErrorS3Uri(String value) {
            stdErrorS3Uri = value;
            return this;
        }

        public Builder resultS3Uri(String value) {
            resultS3Uri = value;
            return this;
        }

        public Builder resultType(String value) {
            resultType = value;
            return this;
        }

        public Builder clientRequestToken(String value) {
            clientRequestToken = value;
            return this;
        }

        public Builder requestFingerprint(String value) {
            requestFingerprint = value;
            return this;
        }

        public CalculationExecution build() {
            return new CalculationExecution(calculationExecutionId, sessionId, description, workingDirectory, state, stateChangeReason,
                    submissionDateTime, completionDateTime, dpuExecutionInMillis, progress, stdOutS3Uri, stdErrorS3Uri, resultS3Uri,
                    resultType, clientRequestToken, requestFingerprint);
        }
    }
}
