package io.noctua.capacity;

import io.noctua.api.CapacityShapes;
import io.noctua.api.CapacityShapes.CapacityAllocation;
import io.noctua.api.CapacityShapes.CapacityAllocationStatus;
import io.noctua.api.CapacityShapes.CapacityAssignment;
import io.noctua.api.CapacityShapes.CapacityAssignmentConfiguration;
import io.noctua.api.CapacityShapes.CapacityReservationChanged;
import io.noctua.api.CapacityShapes.CapacityReservationNameInput;
import io.noctua.api.CapacityShapes.CapacityReservationStatus;
import io.noctua.api.CapacityShapes.CreateCapacityReservationInput;
import io.noctua.api.CapacityShapes.CreateCapacityReservationOutput;
import io.noctua.api.CapacityShapes.GetCapacityAssignmentConfigurationInput;
import io.noctua.api.CapacityShapes.GetCapacityAssignmentConfigurationOutput;
import io.noctua.api.CapacityShapes.GetCapacityReservationOutput;
import io.noctua.api.CapacityShapes.ListCapacityReservationsInput;
import io.noctua.api.CapacityShapes.ListCapacityReservationsOutput;
import io.noctua.api.CapacityShapes.PutCapacityAssignmentConfigurationInput;
import io.noctua.api.CapacityShapes.PutCapacityAssignmentConfigurationOutput;
import io.noctua.api.CapacityShapes.UpdateCapacityReservationInput;
import io.noctua.api.InvalidRequestException;
import io.noctua.api.PageTokens;
import io.noctua.tags.TagService;
import io.noctua.tags.TaggedResource;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

import static java.util.Objects.requireNonNull;

/**
 * Athena's capacity reservations, as records answered with Athena's rules and states. They change no scheduling:
 * Noctua runs every query on its own engine, and a reservation's DPUs are granted as soon as asked.
 * <ul>
 *   <li>TargetDpus: at least 24, in steps of 4. DPUs may be added at any time; they may be taken away an hour after the
 *       reservation was made or DPUs were last added.</li>
 *   <li>A request (the creation, an update) is PENDING (UPDATE_PENDING for an update) for {@link #ALLOCATION}, then
 *       ACTIVE with the DPUs allocated; a cancelled reservation is CANCELLING as long, then CANCELLED with none. The
 *       status follows from the stored times, so every server on one store gives the same.</li>
 *   <li>Only a CANCELLED (or FAILED) reservation may be deleted, and a cancelled one is no longer changed or assigned.
 *       Cancelling releases its workgroups.</li>
 *   <li>A workgroup is assigned to one reservation at most, and must exist.</li>
 * </ul>
 */
public final class CapacityReservationService {
    public static final int MIN_DPUS = 24;
    public static final int DPU_STEP = 4;
    /** How long an allocation or a cancellation takes here. */
    public static final Duration ALLOCATION = Duration.ofSeconds(1);
    /** How long after DPUs were added they may be taken away. */
    public static final Duration DECREASE_WAIT = Duration.ofHours(1);
    private static final int DEFAULT_PAGE = 50;

    private final CapacityReservationStore store;
    private final TagService tags;
    private final Predicate<String> workGroupExists;
    private final Clock clock;

    public CapacityReservationService(CapacityReservationStore store, TagService tags, Predicate<String> workGroupExists, Clock clock) {
        this.store = requireNonNull(store, "store is null");
        this.tags = requireNonNull(tags, "tags is null");
        this.workGroupExists = requireNonNull(workGroupExists, "workGroupExists is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    public CreateCapacityReservationOutput create(CreateCapacityReservationInput input) {
        int dpus = checkedDpus(input.targetDpus());
        Map<String, String> checkedTags = tags.checked(input.tags());
        Instant now = clock.instant();
        if (!store.insert(new CapacityReservation(input.name(), dpus, 0, now, null, now, now, null))) {
            throw new InvalidRequestException("Capacity reservation " + input.name() + " already exists");
        }
        tags.tagNew(new TaggedResource(TaggedResource.CAPACITY_RESERVATION, input.name()), checkedTags);
        return new CreateCapacityReservationOutput();
    }

    public GetCapacityReservationOutput get(CapacityReservationNameInput input) {
        return new GetCapacityReservationOutput(view(existing(input.name()), clock.instant()));
    }

    /** In name order. */
    public ListCapacityReservationsOutput list(ListCapacityReservationsInput input) {
        PageTokens.KeyPage<CapacityReservation> page = PageTokens.KeyPage.read("capacity-reservations", input.nextToken(), input.maxResults(),
                DEFAULT_PAGE, store::list, CapacityReservation::name);
        Instant now = clock.instant();
        return new ListCapacityReservationsOutput(page.nextToken(), page.map(reservation -> view(reservation, now)));
    }

    public CapacityReservationChanged update(UpdateCapacityReservationInput input) {
        int dpus = checkedDpus(input.targetDpus());
        CapacityReservation reservation = existing(input.name());
        Instant now = clock.instant();
        CapacityReservationStatus status = status(reservation, now);
        switch (status) {
            case CANCELLING, CANCELLED -> throw new InvalidRequestException("Capacity reservation " + reservation.name() + " is "
                    + status + ": a cancelled reservation cannot be changed");
            case PENDING, UPDATE_PENDING -> throw new InvalidRequestException("Capacity reservation " + reservation.name() + " is "
                    + status + ": wait until its last request is done (ACTIVE) to change it again");
            default -> {
            }
        }
        if (dpus < reservation.targetDpus() && now.isBefore(reservation.lastAdded().plus(DECREASE_WAIT))) {
            throw new InvalidRequestException("DPUs of capacity reservation " + reservation.name() + " can be decreased from "
                    + reservation.lastAdded().plus(DECREASE_WAIT) + ", an hour after it was created or DPUs were last added");
        }
        if (dpus == reservation.targetDpus()) {
            return new CapacityReservationChanged(); // nothing to allocate
        }
        store.update(new CapacityReservation(reservation.name(), dpus, reservation.targetDpus(), now,
                reservation.allocationRequested().plus(ALLOCATION), dpus > reservation.targetDpus() ? now : reservation.lastAdded(),
                reservation.creationTime(), null));
        return new CapacityReservationChanged();
    }

    public CapacityReservationChanged cancel(CapacityReservationNameInput input) {
        CapacityReservation reservation = existing(input.name());
        Instant now = clock.instant();
        CapacityReservationStatus status = status(reservation, now);
        if (status == CapacityReservationStatus.CANCELLING || status == CapacityReservationStatus.CANCELLED) {
            throw new InvalidRequestException("Capacity reservation " + reservation.name() + " is already " + status);
        }
        store.update(new CapacityReservation(reservation.name(), reservation.targetDpus(), reservation.allocatedBefore(),
                reservation.allocationRequested(), reservation.lastSuccessBefore(), reservation.lastAdded(), reservation.creationTime(), now));
        store.assign(reservation.name(), List.of()); // its workgroups run on demand again
        return new CapacityReservationChanged();
    }

    public CapacityReservationChanged delete(CapacityReservationNameInput input) {
        CapacityReservation reservation = existing(input.name());
        CapacityReservationStatus status = status(reservation, clock.instant());
        if (status != CapacityReservationStatus.CANCELLED && status != CapacityReservationStatus.FAILED) {
            throw new InvalidRequestException("Capacity reservation " + reservation.name() + " is " + status
                    + ": only a CANCELLED reservation can be deleted (CancelCapacityReservation first)");
        }
        store.delete(reservation.name());
        return new CapacityReservationChanged();
    }

    public PutCapacityAssignmentConfigurationOutput putAssignments(PutCapacityAssignmentConfigurationInput input) {
        CapacityReservation reservation = existing(input.capacityReservationName());
        CapacityReservationStatus status = status(reservation, clock.instant());
        if (status == CapacityReservationStatus.CANCELLING || status == CapacityReservationStatus.CANCELLED) {
            throw new InvalidRequestException("Capacity reservation " + reservation.name() + " is " + status + ": workgroups cannot be assigned to it");
        }
        List<List<String>> assignments = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (CapacityAssignment assignment : input.capacityAssignments()) {
            List<String> names = assignment == null || assignment.workGroupNames() == null ? List.of() : assignment.workGroupNames();
            for (String name : names) {
                if (name == null || !workGroupExists.test(name)) {
                    // named, unlike Athena's "WorkGroup is not found." for a call on one workgroup: this call names several
                    throw new InvalidRequestException("WorkGroup " + name + " is not found.");
                }
                if (!seen.add(name)) {
                    throw new InvalidRequestException("WorkGroup " + name + " is assigned twice in the capacity assignments");
                }
            }
            assignments.add(List.copyOf(names));
        }
        Optional<String> taken = store.assign(reservation.name(), assignments);
        if (taken.isPresent()) {
            throw new InvalidRequestException("WorkGroup " + taken.get() + " is already assigned to capacity reservation "
                    + store.reservationOf(taken.get()).orElse("(another)") + ": a workgroup can use one capacity reservation");
        }
        return new PutCapacityAssignmentConfigurationOutput();
    }

    public GetCapacityAssignmentConfigurationOutput getAssignments(GetCapacityAssignmentConfigurationInput input) {
        CapacityReservation reservation = existing(input.capacityReservationName());
        List<CapacityAssignment> assignments = store.assignments(reservation.name()).stream().map(CapacityAssignment::new).toList();
        return new GetCapacityAssignmentConfigurationOutput(new CapacityAssignmentConfiguration(reservation.name(), assignments));
    }

    private CapacityReservation existing(String name) {
        return store.get(name).orElseThrow(() -> new InvalidRequestException("Capacity reservation " + name + " is not found."));
    }

    private static int checkedDpus(Integer targetDpus) {
        if (targetDpus == null || targetDpus < MIN_DPUS || targetDpus % DPU_STEP != 0) {
            throw new InvalidRequestException("TargetDpus must be at least " + MIN_DPUS + " and a multiple of " + DPU_STEP + "; got " + targetDpus);
        }
        return targetDpus;
    }

    static CapacityReservationStatus status(CapacityReservation reservation, Instant now) {
        if (reservation.cancelRequested() != null) {
            return now.isBefore(reservation.cancelRequested().plus(ALLOCATION)) ? CapacityReservationStatus.CANCELLING
                    : CapacityReservationStatus.CANCELLED;
        }
        if (now.isBefore(reservation.allocationRequested().plus(ALLOCATION))) {
            return reservation.lastSuccessBefore() == null ? CapacityReservationStatus.PENDING : CapacityReservationStatus.UPDATE_PENDING;
        }
        return CapacityReservationStatus.ACTIVE;
    }

    static CapacityShapes.CapacityReservation view(CapacityReservation reservation, Instant now) {
        CapacityReservationStatus status = status(reservation, now);
        Instant completion = reservation.allocationRequested().plus(ALLOCATION);
        // the last request's allocation is done once its time has passed, unless the reservation was cancelled before
        boolean done = !now.isBefore(completion) && (reservation.cancelRequested() == null || !reservation.cancelRequested().isBefore(completion));
        int dpus = status == CapacityReservationStatus.CANCELLED ? 0 : done ? reservation.targetDpus() : reservation.allocatedBefore();
        CapacityAllocation last = done
                ? new CapacityAllocation(CapacityAllocationStatus.SUCCEEDED, null, reservation.allocationRequested(), completion)
                : new CapacityAllocation(CapacityAllocationStatus.PENDING, null, reservation.allocationRequested(), null);
        return new CapacityShapes.CapacityReservation(reservation.name(), status, reservation.targetDpus(), dpus, last,
                done ? completion : reservation.lastSuccessBefore(), reservation.creationTime());
    }
}
