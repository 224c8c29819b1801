package io.noctua.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The servers that share one store, each with a lease it renews, and which server runs a given
 * session or query. A server is one start of Noctua: a restart is a new server on the same data
 * directory. Leases are written and judged by the store's own clock, so the servers' clocks may differ.
 */
public interface ServerStore {
    /** A server whose lease has not expired: where it answers, and how many sessions it runs. */
    record Server(String serverId, String endpoint, int activeSessions) {
        public Server {
            requireNonNull(serverId, "serverId is null");
            requireNonNull(endpoint, "endpoint is null");
        }
    }

    /** Records {@code serverId}, on the data directory {@code dataDirId}, as live for {@code lease} from now, at {@code endpoint}. */
    void register(String serverId, String dataDirId, String endpoint, Duration lease);

    /** The servers recorded on the data directory {@code dataDirId} other than {@code serverId}: earlier starts, live or not. */
    List<String> earlierServers(String dataDirId, String serverId);

    /**
     * Extends the lease of {@code serverId} by {@code lease} from now: false when it had already expired
     * or its record is gone, for then other servers may be ending its work.
     */
    boolean renew(String serverId, int activeSessions, Duration lease);

    /** The servers whose leases have not expired. */
    List<Server> liveServers();

    /** The servers whose leases have expired, and whose work may still need ending. */
    List<String> expiredServers();

    /** Removes the record of {@code serverId} if its lease has expired (its work was ended); false if it was renewed meanwhile. */
    boolean forgetExpired(String serverId);

    /** Removes the record of {@code serverId}: it stopped cleanly, or its work was ended. */
    void remove(String serverId);

    /** The server that runs {@code sessionId}, while the session has not ended (empty once it has, or for rows older than servers). */
    Optional<String> serverOfSession(String sessionId);

    /** The server that runs the calculation's session, while the calculation has not ended. */
    Optional<String> serverOfCalculation(String calculationExecutionId);

    /** The server that runs the query execution, while it has not ended. */
    Optional<String> serverOfQuery(String queryExecutionId);

    /** The secret that servers on this store sign their calls to each other with: made by the first server that asks. */
    String secret();
}
