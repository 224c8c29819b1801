package io.noctua.session;

import io.noctua.api.MonitoringShapes.MonitoringConfiguration;
import io.noctua.api.SessionShapes.EngineConfiguration;
import io.noctua.api.SessionState;
import io.noctua.api.StateChangeReasons;

import java.time.Instant;

import static java.util.Objects.requireNonNull;

/**
 * An Athena session as stored; every change makes a new record. Made by name, through
 * {@link #builder()} or {@link #toBuilder()}: its many members are never passed by position.
 */
public record Session(
        String sessionId,
        String workGroup,
        String description,
        EngineConfiguration engineConfiguration,
        String notebookVersion,
        String executionRole,
        MonitoringConfiguration monitoringConfiguration,
        int idleTimeoutMinutes,
        String workingDirectory,
        SessionState state,
        String stateChangeReason,
        Instant startDateTime,
        Instant lastModifiedDateTime,
        Instant endDateTime,
        Instant idleSinceDateTime,
        long dpuExecutionInMillis,
        String clientRequestToken,
        String requestFingerprint) {
    public Session {
        requireNonNull(sessionId, "sessionId is null");
        requireNonNull(workGroup, "workGroup is null");
        requireNonNull(engineConfiguration, "engineConfiguration is null");
        requireNonNull(state, "state is null");
        requireNonNull(startDateTime, "startDateTime is null");
        requireNonNull(lastModifiedDateTime, "lastModifiedDateTime is null");
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder()
                .sessionId(sessionId).workGroup(workGroup).description(description).engineConfiguration(engineConfiguration)
                .notebookVersion(notebookVersion).executionRole(executionRole).monitoringConfiguration(monitoringConfiguration)
                .idleTimeoutMinutes(idleTimeoutMinutes)
                .workingDirectory(workingDirectory).state(state).stateChangeReason(stateChangeReason).startDateTime(startDateTime)
                .lastModifiedDateTime(lastModifiedDateTime).endDateTime(endDateTime).idleSinceDateTime(idleSinceDateTime)
                .dpuExecutionInMillis(dpuExecutionInMillis).clientRequestToken(clientRequestToken).requestFingerprint(requestFingerprint);
    }

    /**
     * The record after a move to {@code next} at {@code now}, its reason cut to the model's length
     * (null keeps the reason it had). The caller checks that the move is legal.
     */
    public Session transition(SessionState next, String reason, Instant now) {
        return toBuilder()
                .state(next)
                .stateChangeReason(reason == null ? stateChangeReason : StateChangeReasons.fit(reason))
                .lastModifiedDateTime(now)
                .endDateTime(next.isTerminal() ? now : endDateTime)
                .idleSinceDateTime(next == SessionState.IDLE ? now : idleSinceDateTime)
                .build();
    }

    public Session addDpuMillis(long millis) {
        return toBuilder().dpuExecutionInMillis(dpuExecutionInMillis + millis).build();
    }

    /** Sets each member by name; {@link #build()} checks the required ones. */
    public static final class Builder {
        private String sessionId;
        private String workGroup;
        private String description;
        private EngineConfiguration engineConfiguration;
        private String notebookVersion;
        private String executionRole;
        private MonitoringConfiguration monitoringConfiguration;
        private int idleTimeoutMinutes;
        private String workingDirectory;
        private SessionState state;
        private String stateChangeReason;
        private Instant startDateTime;
        private Instant lastModifiedDateTime;
        private Instant endDateTime;
        private Instant idleSinceDateTime;
        private long dpuExecutionInMillis;
        private String clientRequestToken;
        private String requestFingerprint;

        private Builder() {
        }

        public Builder sessionId(String value) {
            sessionId = value;
            return this;
        }

        public Builder workGroup(String value) {
            workGroup = value;
            return this;
        }

        public Builder description(String value) {
            description = value;
            return this;
        }

        public Builder engineConfiguration(EngineConfiguration value) {
            engineConfiguration = value;
            return this;
        }

        public Builder notebookVersion(String value) {
            notebookVersion = value;
            return this;
        }

        public Builder executionRole(String value) {
            executionRole = value;
            return this;
        }

        /** The session's effective MonitoringConfiguration: its own members, else its workgroup's; null if neither has any. */
        public Builder monitoringConfiguration(MonitoringConfiguration value) {
            monitoringConfiguration = value;
            return this;
        }

        public Builder idleTimeoutMinutes(int value) {
            idleTimeoutMinutes = value;
            return this;
        }

        public Builder workingDirectory(String value) {
            workingDirectory = value;
            return this;
        }

        public Builder state(SessionState value) {
            state = value;
            return this;
        }

        public Builder stateChangeReason(String value) {
            stateChangeReason = value;
            return this;
        }

        public Builder startDateTime(Instant value) {
            startDateTime = value;
            return this;
        }

        public Builder lastModifiedDateTime(Instant value) {
            lastModifiedDateTime = value;
            return this;
        }

        public Builder endDateTime(Instant value) {
            endDateTime = value;
            return this;
        }

        public Builder idleSinceDateTime(Instant value) {
            idleSinceDateTime = value;
            return this;
        }

        public Builder dpuExecutionInMillis(long value) {
            dpuExecutionInMillis = value;
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

        public Session build() {
            return new Session(sessionId, workGroup, description, engineConfiguration, notebookVersion, executionRole,
                    monitoringConfiguration, idleTimeoutMinutes, workingDirectory, state, stateChangeReason, startDateTime,
                    lastModifiedDateTime, endDateTime, idleSinceDateTime, dpuExecutionInMillis, clientRequestToken, requestFingerprint);
        }
    }
}
