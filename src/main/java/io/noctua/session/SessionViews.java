package io.noctua.session;

import io.noctua.api.SessionShapes.GetSessionResponse;
import io.noctua.api.SessionShapes.SessionConfiguration;
import io.noctua.api.SessionShapes.SessionStatistics;
import io.noctua.api.SessionShapes.SessionStatus;
import io.noctua.api.SessionShapes.SessionSummary;
import io.noctua.api.WorkGroupShapes.EngineVersion;

/** A session record as the API's response shapes show it. */
final class SessionViews {
    private SessionViews() {
    }

    static SessionStatus status(Session s) {
        return new SessionStatus(s.startDateTime(), s.lastModifiedDateTime(), s.endDateTime(), s.idleSinceDateTime(),
                s.state(), s.stateChangeReason());
    }

    static GetSessionResponse session(Session s) {
        return new GetSessionResponse(s.sessionId(), s.description(), s.workGroup(), SessionService.ENGINE_VERSION,
                s.engineConfiguration(), s.notebookVersion(), s.monitoringConfiguration(),
                new SessionConfiguration(s.executionRole(), s.workingDirectory(), s.idleTimeoutMinutes() * 60L, s.idleTimeoutMinutes()),
                status(s), new SessionStatistics(s.dpuExecutionInMillis()));
    }

    static SessionSummary summary(Session s) {
        return new SessionSummary(s.sessionId(), s.description(),
                new EngineVersion(SessionService.ENGINE_VERSION, SessionService.ENGINE_VERSION), s.notebookVersion(), status(s));
    }
}
