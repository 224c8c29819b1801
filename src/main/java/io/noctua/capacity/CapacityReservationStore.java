package io.noctua.capacity;

import java.util.List;
import java.util.Optional;

/** Where capacity reservations and their workgroup assignments are kept. */
public interface CapacityReservationStore {
    /** False if a reservation of that name exists (cancelled ones too, until deleted). */
    boolean insert(CapacityReservation reservation);

    Optional<CapacityReservation> get(String name);

    /** In name order, after {@code afterName} (null: from the first). */
    List<CapacityReservation> list(String afterName, int limit);

    /** Replaces the reservation of the same name. */
    void update(CapacityReservation reservation);

    /** Deletes the reservation, its assignments and its tags; false if there was none. */
    boolean delete(String name);

    /**
     * Replaces the reservation's assignments (each a list of workgroup names), all or nothing. A workgroup is assigned to
     * one reservation at most: if one of them already is, nothing changes and that workgroup's name is returned.
     */
    Optional<String> assign(String name, List<List<String>> assignments);

    /** The reservation's assignments, in the order they were put; empty if none were. */
    List<List<String>> assignments(String name);

    /** The reservation a workgroup is assigned to, if any. */
    Optional<String> reservationOf(String workGroup);
}
