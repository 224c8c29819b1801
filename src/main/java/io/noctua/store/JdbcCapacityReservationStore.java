package io.noctua.store;

import io.noctua.capacity.CapacityReservation;
import io.noctua.capacity.CapacityReservationStore;
import io.noctua.tags.TaggedResource;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static io.noctua.store.Database.instant;
import static io.noctua.store.Database.millis;
import static java.util.Objects.requireNonNull;

/**
 * Capacity reservations in {@code capacity_reservations}, their assignments in {@code capacity_assignments}: a row per
 * assigned workgroup, whose key is the workgroup, so that the store itself keeps a workgroup to one reservation.
 */
public final class JdbcCapacityReservationStore implements CapacityReservationStore {
    private static final String COLUMNS = "name, target_dpus, allocated_before, allocation_requested, last_success_before, last_added, "
            + "creation_time, cancel_requested";

    private final Database database;

    public JdbcCapacityReservationStore(Database database) {
        this.database = requireNonNull(database, "database is null");
    }

    /** Rolls an assignment back: a workgroup is assigned elsewhere. */
    private static final class Taken extends RuntimeException {
        private final String workGroup;

        Taken(String workGroup) {
            super(null, null, false, false);
            this.workGroup = workGroup;
        }
    }

    @Override
    public boolean insert(CapacityReservation reservation) {
        return database.execute("INSERT INTO capacity_reservations (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
                values(reservation)) == 1;
    }

    @Override
    public Optional<CapacityReservation> get(String name) {
        return database.queryOne("SELECT " + COLUMNS + " FROM capacity_reservations WHERE name = ?", JdbcCapacityReservationStore::reservation, name);
    }

    @Override
    public List<CapacityReservation> list(String afterName, int limit) {
        return database.query("SELECT " + COLUMNS + " FROM capacity_reservations WHERE name > ? ORDER BY name LIMIT ?",
                JdbcCapacityReservationStore::reservation, afterName == null ? "" : afterName, limit);
    }

    @Override
    public void update(CapacityReservation reservation) {
        database.execute("UPDATE capacity_reservations SET target_dpus = ?, allocated_before = ?, allocation_requested = ?, "
                        + "last_success_before = ?, last_added = ?, creation_time = ?, cancel_requested = ? WHERE name = ?",
                reservation.targetDpus(), reservation.allocatedBefore(), millis(reservation.allocationRequested()),
                millis(reservation.lastSuccessBefore()), millis(reservation.lastAdded()), millis(reservation.creationTime()),
                millis(reservation.cancelRequested()), reservation.name());
    }

    @Override
    public boolean delete(String name) {
        return database.inTransaction(() -> {
            database.execute("DELETE FROM capacity_assignments WHERE reservation = ?", name);
            database.execute("DELETE FROM tags WHERE resource = ?", new TaggedResource(TaggedResource.CAPACITY_RESERVATION, name).key());
            return database.execute("DELETE FROM capacity_reservations WHERE name = ?", name) > 0;
        });
    }

    @Override
    public Optional<String> assign(String name, List<List<String>> assignments) {
        try {
            database.inTransaction(() -> {
                database.execute("DELETE FROM capacity_assignments WHERE reservation = ?", name);
                for (int position = 0; position < assignments.size(); position++) {
                    List<String> workGroups = assignments.get(position);
                    for (int rank = 0; rank < workGroups.size(); rank++) {
                        if (database.execute("INSERT INTO capacity_assignments (work_group, reservation, assignment_index, member_index) VALUES (?, ?, ?, ?) "
                                + "ON CONFLICT (work_group) DO NOTHING", workGroups.get(rank), name, position, rank) == 0) {
                            throw new Taken(workGroups.get(rank));
                        }
                    }
                }
                return null;
            });
            return Optional.empty();
        }
        catch (Taken e) {
            return Optional.of(e.workGroup);
        }
    }

    @Override
    public List<List<String>> assignments(String name) {
        List<List<String>> assignments = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        database.query("SELECT assignment_index, work_group FROM capacity_assignments WHERE reservation = ? ORDER BY assignment_index, member_index", row -> {
            int position = row.getInt(1);
            if (positions.isEmpty() || positions.get(positions.size() - 1) != position) {
                positions.add(position);
                assignments.add(new ArrayList<>());
            }
            assignments.get(assignments.size() - 1).add(row.getString(2));
            return null;
        }, name);
        return assignments;
    }

    @Override
    public Optional<String> reservationOf(String workGroup) {
        return database.queryOne("SELECT reservation FROM capacity_assignments WHERE work_group = ?", row -> row.getString(1), workGroup);
    }

    private static Object[] values(CapacityReservation reservation) {
        return new Object[] {reservation.name(), reservation.targetDpus(), reservation.allocatedBefore(), millis(reservation.allocationRequested()),
                millis(reservation.lastSuccessBefore()), millis(reservation.lastAdded()), millis(reservation.creationTime()),
                millis(reservation.cancelRequested())};
    }

    private static CapacityReservation reservation(ResultSet row) throws SQLException {
        return new CapacityReservation(row.getString("name"), row.getInt("target_dpus"), row.getInt("allocated_before"),
                instant(row, "allocation_requested"), instant(row, "last_success_before"), instant(row, "last_added"),
                instant(row, "creation_time"), instant(row, "cancel_requested"));
    }
}
