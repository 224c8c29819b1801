package io.noctua.capacity;

import java.time.Instant;

import static java.util.Objects.requireNonNull;

/**
 * A capacity reservation as stored: what was asked for and when. Its status is not stored but follows from these times
 * ({@link CapacityReservationService}), so that every server on one store answers the same at the same moment.
 *
 * @param targetDpus the DPUs of the last request
 * @param allocatedBefore the DPUs allocated before the last request (0 before the first is done)
 * @param allocationRequested when the last request (the creation, or an update) was made
 * @param lastSuccessBefore when the allocation before the last request completed, or null if there was none
 * @param lastAdded when DPUs were last added (the creation, or an update that raised them): decreases wait an hour from it
 * @param cancelRequested when CancelCapacityReservation was called, or null
 */
public record CapacityReservation(String name, int targetDpus, int allocatedBefore, Instant allocationRequested, Instant lastSuccessBefore,
                                  Instant lastAdded, Instant creationTime, Instant cancelRequested) {
    public CapacityReservation {
        requireNonNull(name, "name is null");
        requireNonNull(allocationRequested, "allocationRequested is null");
        requireNonNull(lastAdded, "lastAdded is null");
        requireNonNull(creationTime, "creationTime is null");
    }
}
