package io.noctua.session;

import io.noctua.api.CalculationExecutionState;
import io.noctua.api.SessionState;

import java.util.List;
import java.util.Optional;

/**
 * Where sessions and their calculations are kept. Reads by id, token and page; one way to write:
 * {@link #write}, one transaction per {@link Change}, each row a compare-and-set on the state it
 * had. Only a session's {@link SessionMachine} (and the start-up clean-up) writes.
 */
public interface SessionStore {
    Optional<Session> session(String sessionId);

    Optional<Session> sessionByToken(String clientRequestToken);

    /** A workgroup's sessions, newest first; {@code cursor} from the previous page, or null. */
    Page<Session> sessions(String workGroup, SessionState stateFilter, Long cursor, int limit);

    /**
     * Sessions whose state is not final that the server {@code serverId} runs, oldest first (those
     * stored before servers were recorded count as any server's).
     */
    List<Session> unendedSessions(String serverId);

    Optional<CalculationExecution> calculation(String calculationExecutionId);

    Optional<CalculationExecution> calculationByToken(String sessionId, String clientRequestToken);

    Optional<String> code(String calculationExecutionId);

    /** A session's calculations, newest first. */
    Page<CalculationExecution> calculations(String sessionId, CalculationExecutionState stateFilter, Long cursor, int limit);

    /** Calculations whose state is not final, in sessions the server {@code serverId} runs, oldest first. */
    List<CalculationExecution> unendedCalculations(String serverId);

    /**
     * Writes all of {@code change} in one transaction, or nothing: false when a row's state is no
     * longer the one the change expects. A fault of the store is a {@code StoreException}.
     */
    boolean write(Change change);

    /**
     * One step of a session's life as the store sees it: a new or changed session row, a new or
     * changed calculation row, or both. A changed row names the state it must still have.
     *
     * @param sessionWas the state the stored session must have, or null to insert {@code session}
     * @param calculationWas likewise for {@code calculation}
     * @param code the new calculation's code, with an inserted calculation only
     */
    record Change(Session session, SessionState sessionWas, CalculationExecution calculation, CalculationExecutionState calculationWas,
                  String code) {
        public Change {
            if (session == null && calculation == null) {
                throw new IllegalArgumentException("a change writes a session, a calculation, or both");
            }
            if (calculation != null && calculationWas == null && code == null) {
                throw new IllegalArgumentException("a new calculation comes with its code");
            }
        }

        public static Change newSession(Session session) {
            return new Change(session, null, null, null, null);
        }

        public static Change session(Session next, SessionState was) {
            return new Change(next, was, null, null, null);
        }

        public static Change calculation(CalculationExecution next, CalculationExecutionState was) {
            return new Change(null, null, next, was, null);
        }

        /** This change, and a calculation row changed from {@code was}. */
        public Change and(CalculationExecution next, CalculationExecutionState was) {
            return new Change(session, sessionWas, next, was, null);
        }

        /** This change, and a new calculation row with its code. */
        public Change andNew(CalculationExecution inserted, String codeBlock) {
            return new Change(session, sessionWas, inserted, null, codeBlock);
        }
    }
}
