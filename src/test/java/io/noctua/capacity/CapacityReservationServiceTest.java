package io.noctua.capacity;

import io.noctua.api.CapacityShapes.CapacityAllocationStatus;
import io.noctua.api.CapacityShapes.CapacityAssignment;
import io.noctua.api.CapacityShapes.CapacityReservation;
import io.noctua.api.CapacityShapes.CapacityReservationNameInput;
import io.noctua.api.CapacityShapes.CapacityReservationStatus;
import io.noctua.api.CapacityShapes.CreateCapacityReservationInput;
import io.noctua.api.CapacityShapes.GetCapacityAssignmentConfigurationInput;
import io.noctua.api.CapacityShapes.ListCapacityReservationsInput;
import io.noctua.api.CapacityShapes.ListCapacityReservationsOutput;
import io.noctua.api.CapacityShapes.PutCapacityAssignmentConfigurationInput;
import io.noctua.api.CapacityShapes.UpdateCapacityReservationInput;
import io.noctua.api.InvalidRequestException;
import io.noctua.api.WorkGroupShapes.Tag;
import io.noctua.store.Database;
import io.noctua.store.JdbcCapacityReservationStore;
import io.noctua.store.JdbcTagStore;
import io.noctua.tags.TagService;
import io.noctua.tags.TaggedResource;
import io.noctua.testing.TestingDatabases;
import io.noctua.testing.fakes.TestClock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Capacity reservations' rules and states, on a real store (SQLite and PostgreSQL) and a clock the test moves. */
class CapacityReservationServiceTest {
    private static final Instant START = Instant.parse("2026-11-30T08:00:00Z");

    private final TestClock clock = new TestClock(START);

    private CapacityReservationService service(Database database) {
        JdbcCapacityReservationStore store = new JdbcCapacityReservationStore(database);
        TagService tags = new TagService(new JdbcTagStore(database), resource -> store.get(resource.name()).isPresent());
        return new CapacityReservationService(store, tags, Set.of("primary", "etl", "reports", "adhoc")::contains, clock);
    }

    private static CapacityReservation get(CapacityReservationService service, String name) {
        return service.get(new CapacityReservationNameInput(name)).capacityReservation();
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void aReservationIsPendingThenActiveUpdatedCancelledAndDeleted(String dialect) {
        try (Database database = TestingDatabases.open(dialect)) {
            CapacityReservationService service = service(database);
            service.create(new CreateCapacityReservationInput(24, "nightly", List.of(new Tag("team", "data"))));

            CapacityReservation pending = get(service, "nightly");
            assertEquals(CapacityReservationStatus.PENDING, pending.status());
            assertEquals(24, pending.targetDpus());
            assertEquals(0, pending.allocatedDpus());
            assertEquals(CapacityAllocationStatus.PENDING, pending.lastAllocation().status());
            assertEquals(START, pending.lastAllocation().requestTime());
            assertNull(pending.lastAllocation().requestCompletionTime());
            assertNull(pending.lastSuccessfulAllocationTime());
            assertEquals(START, pending.creationTime());

            clock.advance(CapacityReservationService.ALLOCATION);
            CapacityReservation active = get(service, "nightly");
            assertEquals(CapacityReservationStatus.ACTIVE, active.status());
            assertEquals(24, active.allocatedDpus());
            assertEquals(CapacityAllocationStatus.SUCCEEDED, active.lastAllocation().status());
            Instant allocated = START.plus(CapacityReservationService.ALLOCATION);
            assertEquals(allocated, active.lastAllocation().requestCompletionTime());
            assertEquals(allocated, active.lastSuccessfulAllocationTime());

            service.update(new UpdateCapacityReservationInput(32, "nightly"));
            CapacityReservation updating = get(service, "nightly");
            assertEquals(CapacityReservationStatus.UPDATE_PENDING, updating.status());
            assertEquals(32, updating.targetDpus());
            assertEquals(24, updating.allocatedDpus(), "the DPUs allocated before stay until the update is done");
            assertEquals(allocated, updating.lastSuccessfulAllocationTime());
            assertEquals("Capacity reservation nightly is UPDATE_PENDING: wait until its last request is done (ACTIVE) to change it again",
                    assertThrows(InvalidRequestException.class, () -> service.update(new UpdateCapacityReservationInput(36, "nightly"))).getMessage());
            clock.advance(CapacityReservationService.ALLOCATION);
            assertEquals(32, get(service, "nightly").allocatedDpus());

            // DPUs were just added: taking them away waits an hour
            InvalidRequestException early = assertThrows(InvalidRequestException.class,
                    () -> service.update(new UpdateCapacityReservationInput(24, "nightly")));
            assertTrue(early.getMessage().contains("an hour after it was created or DPUs were last added"), early.getMessage());
            clock.advance(Duration.ofHours(1));
            service.update(new UpdateCapacityReservationInput(28, "nightly"));
            clock.advance(CapacityReservationService.ALLOCATION);
            assertEquals(28, get(service, "nightly").allocatedDpus());

            assertEquals("Capacity reservation nightly is ACTIVE: only a CANCELLED reservation can be deleted (CancelCapacityReservation first)",
                    assertThrows(InvalidRequestException.class, () -> service.delete(new CapacityReservationNameInput("nightly"))).getMessage());
            service.cancel(new CapacityReservationNameInput("nightly"));
            assertEquals(CapacityReservationStatus.CANCELLING, get(service, "nightly").status());
            assertThrows(InvalidRequestException.class, () -> service.cancel(new CapacityReservationNameInput("nightly")));
            assertThrows(InvalidRequestException.class, () -> service.delete(new CapacityReservationNameInput("nightly")));
            clock.advance(CapacityReservationService.ALLOCATION);
            CapacityReservation cancelled = get(service, "nightly");
            assertEquals(CapacityReservationStatus.CANCELLED, cancelled.status());
            assertEquals(0, cancelled.allocatedDpus());
            assertEquals(28, cancelled.targetDpus());
            assertEquals("Capacity reservation nightly is CANCELLED: a cancelled reservation cannot be changed",
                    assertThrows(InvalidRequestException.class, () -> service.update(new UpdateCapacityReservationInput(40, "nightly"))).getMessage());

            service.delete(new CapacityReservationNameInput("nightly"));
            assertEquals("Capacity reservation nightly is not found.",
                    assertThrows(InvalidRequestException.class, () -> get(service, "nightly")).getMessage());
            assertEquals(Map.of(), new JdbcTagStore(database).tags(new TaggedResource(TaggedResource.CAPACITY_RESERVATION, "nightly").key()),
                    "its tags went with it");
            // the name is free again
            service.create(new CreateCapacityReservationInput(24, "nightly", null));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void requestsAreCheckedBeforeAnythingIsStored(String dialect) {
        try (Database database = TestingDatabases.open(dialect)) {
            CapacityReservationService service = service(database);
            for (int dpus : new int[] {4, 20, 26}) {
                assertEquals("TargetDpus must be at least 24 and a multiple of 4; got " + dpus, assertThrows(InvalidRequestException.class,
                        () -> service.create(new CreateCapacityReservationInput(dpus, "r", null))).getMessage());
            }
            assertThrows(InvalidRequestException.class,
                    () -> service.create(new CreateCapacityReservationInput(24, "r", List.of(new Tag("aws:owner", "x")))));
            assertEquals(List.of(), service.list(new ListCapacityReservationsInput(null, null)).capacityReservations(), "nothing was kept");

            service.create(new CreateCapacityReservationInput(24, "r", null));
            assertEquals("Capacity reservation r already exists",
                    assertThrows(InvalidRequestException.class, () -> service.create(new CreateCapacityReservationInput(28, "r", null))).getMessage());
            assertEquals(24, get(service, "r").targetDpus());
            String missing = "Capacity reservation nope is not found.";
            assertEquals(missing, assertThrows(InvalidRequestException.class, () -> service.update(new UpdateCapacityReservationInput(24, "nope"))).getMessage());
            assertEquals(missing, assertThrows(InvalidRequestException.class, () -> service.cancel(new CapacityReservationNameInput("nope"))).getMessage());
            assertEquals(missing, assertThrows(InvalidRequestException.class, () -> service.delete(new CapacityReservationNameInput("nope"))).getMessage());
            assertEquals(missing, assertThrows(InvalidRequestException.class,
                    () -> service.getAssignments(new GetCapacityAssignmentConfigurationInput("nope"))).getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void aWorkGroupIsAssignedToOneReservationAtMost(String dialect) {
        try (Database database = TestingDatabases.open(dialect)) {
            CapacityReservationService service = service(database);
            service.create(new CreateCapacityReservationInput(24, "a", null));
            service.create(new CreateCapacityReservationInput(24, "b", null));
            assertEquals(List.of(), assignments(service, "a"));

            service.putAssignments(new PutCapacityAssignmentConfigurationInput("a",
                    List.of(new CapacityAssignment(List.of("reports", "etl")), new CapacityAssignment(List.of("adhoc")))));
            assertEquals(List.of(List.of("reports", "etl"), List.of("adhoc")), assignments(service, "a"));

            assertEquals("WorkGroup etl is already assigned to capacity reservation a: a workgroup can use one capacity reservation",
                    assertThrows(InvalidRequestException.class, () -> service.putAssignments(new PutCapacityAssignmentConfigurationInput("b",
                            List.of(new CapacityAssignment(List.of("primary", "etl")))))).getMessage());
            assertEquals(List.of(), assignments(service, "b"), "nothing of a refused assignment is kept");
            assertEquals("WorkGroup nope is not found.", assertThrows(InvalidRequestException.class, () -> service.putAssignments(
                    new PutCapacityAssignmentConfigurationInput("b", List.of(new CapacityAssignment(List.of("nope")))))).getMessage());
            assertEquals("WorkGroup primary is assigned twice in the capacity assignments", assertThrows(InvalidRequestException.class,
                    () -> service.putAssignments(new PutCapacityAssignmentConfigurationInput("b",
                            List.of(new CapacityAssignment(List.of("primary")), new CapacityAssignment(List.of("primary")))))).getMessage());

            // a put replaces the reservation's assignments: etl is free again
            service.putAssignments(new PutCapacityAssignmentConfigurationInput("a", List.of(new CapacityAssignment(List.of("reports")))));
            service.putAssignments(new PutCapacityAssignmentConfigurationInput("b", List.of(new CapacityAssignment(List.of("etl")))));
            assertEquals(List.of(List.of("etl")), assignments(service, "b"));

            // cancelling releases the workgroups
            service.cancel(new CapacityReservationNameInput("a"));
            assertEquals(List.of(), assignments(service, "a"));
            service.putAssignments(new PutCapacityAssignmentConfigurationInput("b", List.of(new CapacityAssignment(List.of("etl", "reports")))));
            assertThrows(InvalidRequestException.class, () -> service.putAssignments(new PutCapacityAssignmentConfigurationInput("a",
                    List.of(new CapacityAssignment(List.of("adhoc"))))));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void listingIsInNameOrderAndPaged(String dialect) {
        try (Database database = TestingDatabases.open(dialect)) {
            CapacityReservationService service = service(database);
            for (String name : List.of("c", "a", "b")) {
                service.create(new CreateCapacityReservationInput(24, name, null));
            }
            ListCapacityReservationsOutput first = service.list(new ListCapacityReservationsInput(null, 2));
            assertEquals(List.of("a", "b"), first.capacityReservations().stream().map(CapacityReservation::name).toList());
            ListCapacityReservationsOutput second = service.list(new ListCapacityReservationsInput(first.nextToken(), 2));
            assertEquals(List.of("c"), second.capacityReservations().stream().map(CapacityReservation::name).toList());
            assertNull(second.nextToken());
            assertThrows(InvalidRequestException.class, () -> service.list(new ListCapacityReservationsInput("not-a-token", 2)));
        }
    }

    private static List<List<String>> assignments(CapacityReservationService service, String name) {
        return service.getAssignments(new GetCapacityAssignmentConfigurationInput(name)).capacityAssignmentConfiguration().capacityAssignments()
                .stream().map(CapacityAssignment::workGroupNames).toList();
    }
}
