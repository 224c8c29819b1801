package io.noctua.session;

import io.noctua.api.SessionShapes.EngineConfiguration;
import io.noctua.api.SessionState;
import io.noctua.api.StateChangeReasons;

import java.time.Instant;

import static java.util.Objects.requireNonNull;

/** An Athena session as stored; every change makes a new record. */
public record Session(
        String sessionId,
        String workGroup,
        String description,
        EngineConfiguration engineConfiguration,
        String notebookVersion,
        String executionRole,
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

    /** The record after a move to {@code next}, its reason cut to the model's length; the caller checks the move is legal. */
    public Session transition(SessionState next, String reason, Instant now) {
        return new Session(sessionId, workGroup, description, engineConfiguration, notebookVersion, executionRole,
                idleTimeoutMinutes, workingDirectory, next, reason == null ? stateChangeReason : StateChangeReasons.fit(reason), startDateTime, now,
                next.isTerminal() ? now : endDateTime,
                next == SessionState.IDLE ? now : idleSinceDateTime,
                dpuExecutionInMillis, clientRequestToken, requestFingerprint);
    }

    public Session addDpuMillis(long millis) {
        return new Session(sessionId, workGroup, description, engineConfiguration, notebookVersion, executionRole,
                idleTimeoutMinutes, workingDirectory, state, stateChangeReason, startDateTime, lastModifiedDateTime,
                endDateTime, idleSinceDateTime, dpuExecutionInMillis + millis, clientRequestToken, requestFingerprint);
    }
}
