package io.noctua.store;

import io.noctua.cluster.ServerStore;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** Leases in the {@code servers} table, judged by the database's clock; owners read from the sessions' and queries' rows. */
public final class JdbcServerStore implements ServerStore {
    private final Database database;
    private final String now;

    public JdbcServerStore(Database database) {
        this.database = requireNonNull(database, "database is null");
        this.now = database.dialect().nowMillis();
    }

    @Override
    public void register(String serverId, String dataDirId, String endpoint, Duration lease) {
        // a server whose lease lapsed takes it again under the same id
        database.execute("INSERT INTO servers (server_id, data_dir_id, endpoint, started_time, lease_expires, active_sessions) "
                        + "VALUES (?, ?, ?, " + now + ", " + now + " + ?, 0) ON CONFLICT (server_id) DO UPDATE SET "
                        + "lease_expires = excluded.lease_expires", serverId, dataDirId, endpoint, lease.toMillis());
    }

    @Override
    public List<String> earlierServers(String dataDirId, String serverId) {
        return database.query("SELECT server_id FROM servers WHERE data_dir_id = ? AND server_id <> ? ORDER BY started_time",
                row -> row.getString("server_id"), dataDirId, serverId);
    }

    @Override
    public boolean renew(String serverId, int activeSessions, Duration lease) {
        return database.execute("UPDATE servers SET lease_expires = " + now + " + ?, active_sessions = ? "
                + "WHERE server_id = ? AND lease_expires >= " + now, lease.toMillis(), activeSessions, serverId) == 1;
    }

    @Override
    public List<Server> liveServers() {
        return database.query("SELECT server_id, endpoint, active_sessions FROM servers WHERE lease_expires >= " + now + " ORDER BY server_id",
                row -> new Server(row.getString("server_id"), row.getString("endpoint"), row.getInt("active_sessions")));
    }

    @Override
    public List<String> expiredServers() {
        return database.query("SELECT server_id FROM servers WHERE lease_expires < " + now + " ORDER BY server_id",
                row -> row.getString("server_id"));
    }

    @Override
    public boolean forgetExpired(String serverId) {
        return database.execute("DELETE FROM servers WHERE server_id = ? AND lease_expires < " + now, serverId) == 1;
    }

    @Override
    public void remove(String serverId) {
        database.execute("DELETE FROM servers WHERE server_id = ?", serverId);
    }

    @Override
    public Optional<String> serverOfSession(String sessionId) {
        return database.queryOne("SELECT server_id FROM sessions WHERE session_id = ? AND state NOT IN ('TERMINATED', 'FAILED') "
                + "AND server_id IS NOT NULL", row -> row.getString("server_id"), sessionId);
    }

    @Override
    public Optional<String> serverOfCalculation(String calculationExecutionId) {
        return database.queryOne("SELECT s.server_id FROM calculations c JOIN sessions s ON s.session_id = c.session_id "
                + "WHERE c.calculation_id = ? AND c.state NOT IN ('COMPLETED', 'FAILED', 'CANCELED') AND s.server_id IS NOT NULL",
                row -> row.getString("server_id"), calculationExecutionId);
    }

    @Override
    public Optional<String> serverOfQuery(String queryExecutionId) {
        return database.queryOne("SELECT server_id FROM query_executions WHERE query_execution_id = ? AND state IN ('QUEUED', 'RUNNING') "
                + "AND server_id IS NOT NULL", row -> row.getString("server_id"), queryExecutionId);
    }

    @Override
    public String secret() {
        Optional<String> stored = storedSecret();
        if (stored.isPresent()) {
            return stored.get();
        }
        byte[] fresh = new byte[32];
        new SecureRandom().nextBytes(fresh);
        // two servers starting at once: the first insert wins, and both read the same secret back
        database.execute("INSERT INTO cluster_secret (id, secret) VALUES (1, ?) ON CONFLICT (id) DO NOTHING", HexFormat.of().formatHex(fresh));
        return storedSecret().orElseThrow(() -> new StoreException("the store kept no cluster secret", null));
    }

    private Optional<String> storedSecret() {
        return database.queryOne("SELECT secret FROM cluster_secret WHERE id = 1", row -> row.getString("secret"));
    }
}
