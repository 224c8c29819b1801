package io.noctua.store;

import io.noctua.api.SessionShapes.EngineConfiguration;
import io.noctua.api.SessionState;
import io.noctua.session.Session;

import java.time.Instant;

/** Sessions for the store's tests: a new session in the workgroup {@code spark}, as StartSession stores it. */
final class TestSessions {
    private TestSessions() {
    }

    /** A CREATING session started now; {@code token} is its ClientRequestToken, or null. */
    static Session creating(String id, String token) {
        Instant now = Instant.now();
        return Session.builder()
                .sessionId(id)
                .workGroup("spark")
                .engineConfiguration(new EngineConfiguration(1, 2, 1, null, null, null))
                .notebookVersion("Athena notebook version 1")
                .idleTimeoutMinutes(20)
                .workingDirectory("s3://noctua-results/")
                .state(SessionState.CREATING)
                .startDateTime(now)
                .lastModifiedDateTime(now)
                .clientRequestToken(token)
                .requestFingerprint("f")
                .build();
    }
}
