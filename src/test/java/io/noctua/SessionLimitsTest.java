package io.noctua;

import io.noctua.testing.Athena;
import io.noctua.testing.TestingServer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.SessionState;
import software.amazon.awssdk.services.athena.model.ThrottleReason;
import software.amazon.awssdk.services.athena.model.TooManyRequestsException;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** StartSession past the server's limits is refused as Athena refuses it past an account's quota, in words dbt-athena looks for. */
class SessionLimitsTest {
    @Test
    void sessionsPastALimitAreRefusedUntilOneEnds() {
        try (TestingServer server = TestingServer.start(TestingServer.temporaryDirectory("noctua-limits-"), Map.of(
                "session.max-active", "3", "session.max-active-per-workgroup", "2", "session.max-concurrent-dpus", "10"))) {
            AthenaClient athena = server.client();
            athena.createWorkGroup(r -> r.name("second").configuration(c -> c
                    .executionRole(NoctuaServer.DEFAULT_EXECUTION_ROLE)
                    .engineVersion(v -> v.selectedEngineVersion("PySpark engine version 3"))));
            String first = Athena.startIdleSession(athena);
            Athena.startIdleSession(athena);

            TooManyRequestsException perWorkGroup = assertThrows(TooManyRequestsException.class,
                    () -> athena.startSession(r -> r.workGroup("spark").engineConfiguration(e -> e.maxConcurrentDpus(2))));
            assertEquals("Maximum allowed sessions (2) reached for workgroup spark (session.max-active-per-workgroup). "
                    + "Terminate a session, or try again when one has ended.", perWorkGroup.awsErrorDetails().errorMessage());
            assertEquals(ThrottleReason.CONCURRENT_QUERY_LIMIT_EXCEEDED, perWorkGroup.reason());
            assertEquals(400, perWorkGroup.statusCode());

            TooManyRequestsException capacity = assertThrows(TooManyRequestsException.class,
                    () -> athena.startSession(r -> r.workGroup("second").engineConfiguration(e -> e.maxConcurrentDpus(8))));
            assertEquals("Failed to provision the session due to required capacity not being available: the active sessions hold 4 of "
                    + "this server's 10 DPUs (session.max-concurrent-dpus) and this session asks for 8 (MaxConcurrentDpus).",
                    capacity.awsErrorDetails().errorMessage());

            Athena.startIdleSession(athena, "second");
            TooManyRequestsException perServer = assertThrows(TooManyRequestsException.class,
                    () -> athena.startSession(r -> r.workGroup("second").engineConfiguration(e -> e.maxConcurrentDpus(2))));
            assertEquals("Maximum allowed sessions (3) reached: this server has 3 active sessions (session.max-active). "
                    + "Terminate a session, or try again when one has ended.", perServer.awsErrorDetails().errorMessage());
            assertEquals(3, athena.listSessions(r -> r.workGroup("spark")).sessions().size()
                    + athena.listSessions(r -> r.workGroup("second")).sessions().size(), "a refused StartSession left a session behind");

            athena.terminateSession(r -> r.sessionId(first));
            Athena.awaitSession(athena, first, SessionState.TERMINATED);
            Athena.startIdleSession(athena, "second");
        }
    }
}
