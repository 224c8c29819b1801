package io.noctua.cluster;

import io.noctua.concurrent.Threads;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * This server's place among the servers on one store: it keeps this server's lease, knows which
 * servers are live, and ends the work of a server whose lease expired (killed, its machine down, cut
 * off from the store), so that nothing it ran stays RUNNING or BUSY. Every live server checks; the
 * store's compare-and-set writes make two servers ending the same work harmless.
 */
public final class Membership implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Membership.class.getName());

    /** What this server runs, as the lease needs it. */
    public interface Work {
        /** The sessions this server runs now (the load other servers see). */
        int activeSessions();

        /** Ends, in the store, the sessions, calculations and queries a server whose lease expired left live. */
        void endWorkOf(String serverId, String reason);

        /** This server's lease had expired: other servers may have ended its sessions in the store. */
        void leaseLapsed();
    }

    private final ServerStore store;
    private final String serverId;
    private final String dataDirId;
    private volatile String endpoint;
    private final Duration lease;
    private final Work work;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(Threads.daemons("lease"));
    private volatile List<ServerStore.Server> live = List.of();

    public Membership(ServerStore store, String serverId, String dataDirId, Duration lease, Work work) {
        this.store = requireNonNull(store, "store is null");
        this.serverId = requireNonNull(serverId, "serverId is null");
        this.dataDirId = requireNonNull(dataDirId, "dataDirId is null");
        this.lease = requireNonNull(lease, "lease is null");
        this.work = requireNonNull(work, "work is null");
    }

    /** The sessions this server runs now: what its lease tells the others. */
    public int activeSessions() {
        return work.activeSessions();
    }

    /** Takes this server's lease, to be found at {@code endpoint}, and renews it, and checks the others', four times per lease. */
    public void start(String endpoint) {
        this.endpoint = requireNonNull(endpoint, "endpoint is null");
        store.register(serverId, dataDirId, endpoint, lease);
        live = store.liveServers();
        long period = Math.max(50, lease.toMillis() / 4);
        timer.scheduleWithFixedDelay(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    public String serverId() {
        return serverId;
    }

    public Duration lease() {
        return lease;
    }

    /** One round: renew, learn who is live, end the work of those whose lease expired. A failure waits for the next round. */
    void check() {
        try {
            if (!store.renew(serverId, work.activeSessions(), lease)) {
                LOG.warning("this server's lease (" + serverId + ") had expired before it was renewed (was the store unreachable, or the "
                        + "JVM paused, for longer than " + lease.toMillis() + " ms?); taking it again");
                store.register(serverId, dataDirId, endpoint, lease);
                work.leaseLapsed();
            }
            live = store.liveServers();
            for (String expired : store.expiredServers()) {
                if (!expired.equals(serverId)) {
                    endWorkOf(expired);
                }
            }
        }
        catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the lease check failed; trying again in " + lease.toMillis() / 4 + " ms: " + e.getMessage());
        }
    }

    private void endWorkOf(String expired) {
        LOG.warning("the Noctua server " + expired + " stopped renewing its lease: ending the sessions, calculations and queries it ran");
        work.endWorkOf(expired, "The Noctua server " + expired + " that ran it stopped renewing its lease (killed, its machine down, "
                + "or cut off from the store for longer than " + lease.toMillis() / 1000.0 + " s)");
        store.forgetExpired(expired);
    }

    /** The servers live at the last check, this one included. */
    public List<ServerStore.Server> live() {
        return live;
    }

    /** {@code id} if its lease is live; a server that joined since the last check is looked up in the store. */
    public Optional<ServerStore.Server> live(String id) {
        Optional<ServerStore.Server> known = find(live, id);
        if (known.isPresent()) {
            return known;
        }
        List<ServerStore.Server> fresh = store.liveServers();
        live = fresh;
        return find(fresh, id);
    }

    private static Optional<ServerStore.Server> find(List<ServerStore.Server> servers, String id) {
        return servers.stream().filter(server -> server.serverId().equals(id)).findFirst();
    }

    /** Stops renewing and gives the lease back: this server ended its work (a clean stop). */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            store.remove(serverId);
        }
        catch (RuntimeException e) {
            LOG.warning("could not give back this server's lease; it expires in " + lease.toMillis() + " ms: " + e.getMessage());
        }
    }
}
