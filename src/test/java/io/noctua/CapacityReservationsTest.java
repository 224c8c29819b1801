package io.noctua;

import io.noctua.testing.Athena;
import io.noctua.testing.ServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.CapacityAllocationStatus;
import software.amazon.awssdk.services.athena.model.CapacityAssignment;
import software.amazon.awssdk.services.athena.model.CapacityReservation;
import software.amazon.awssdk.services.athena.model.CapacityReservationStatus;
import software.amazon.awssdk.services.athena.model.InvalidRequestException;
import software.amazon.awssdk.services.athena.model.ListCapacityReservationsResponse;
import software.amazon.awssdk.services.athena.model.Tag;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The capacity reservation operations through the AWS SDK for Java v2 (the rules and states: CapacityReservationServiceTest). */
class CapacityReservationsTest {
    @RegisterExtension
    static final ServerExtension running = new ServerExtension();

    private final AthenaClient athena = running.client();

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private CapacityReservation reservation(String name) {
        return athena.getCapacityReservation(r -> r.name(name)).capacityReservation();
    }

    private void awaitStatus(String name, CapacityReservationStatus status) {
        Athena.await(() -> reservation(name).status() == status, name + " to be " + status, Duration.ofSeconds(10));
    }

    @Test
    void aReservationIsMadeTaggedAssignedUpdatedCancelledAndDeleted() {
        String name = unique("reserve");
        String workGroup = unique("reserved-wg");
        athena.createWorkGroup(r -> r.name(workGroup));
        athena.createCapacityReservation(r -> r.name(name).targetDpus(24).tags(Tag.builder().key("team").value("data").build()));

        CapacityReservation made = reservation(name);
        assertEquals(name, made.name());
        assertEquals(24, made.targetDpus());
        assertNotNull(made.creationTime());
        assertNotNull(made.lastAllocation().requestTime());
        awaitStatus(name, CapacityReservationStatus.ACTIVE);
        CapacityReservation active = reservation(name);
        assertEquals(24, active.allocatedDpus());
        assertEquals(CapacityAllocationStatus.SUCCEEDED, active.lastAllocation().status());
        assertEquals(active.lastAllocation().requestCompletionTime(), active.lastSuccessfulAllocationTime());

        String arn = "arn:aws:athena:us-east-1:123456789012:capacity-reservation/" + name;
        assertEquals(List.of(Tag.builder().key("team").value("data").build()), athena.listTagsForResource(r -> r.resourceARN(arn)).tags());
        athena.tagResource(r -> r.resourceARN(arn).tags(Tag.builder().key("env").value("prod").build()));
        assertEquals(2, athena.listTagsForResource(r -> r.resourceARN(arn)).tags().size());

        athena.putCapacityAssignmentConfiguration(r -> r.capacityReservationName(name)
                .capacityAssignments(CapacityAssignment.builder().workGroupNames(workGroup).build()));
        assertEquals(List.of(List.of(workGroup)), athena.getCapacityAssignmentConfiguration(r -> r.capacityReservationName(name))
                .capacityAssignmentConfiguration().capacityAssignments().stream().map(CapacityAssignment::workGroupNames).toList());

        String deleted = unique("deleted-wg");
        athena.createWorkGroup(r -> r.name(deleted));
        athena.putCapacityAssignmentConfiguration(r -> r.capacityReservationName(name)
                .capacityAssignments(CapacityAssignment.builder().workGroupNames(workGroup, deleted).build()));
        athena.deleteWorkGroup(r -> r.workGroup(deleted));
        assertEquals(List.of(List.of(workGroup)), athena.getCapacityAssignmentConfiguration(r -> r.capacityReservationName(name))
                .capacityAssignmentConfiguration().capacityAssignments().stream().map(CapacityAssignment::workGroupNames).toList(),
                "a deleted workgroup leaves the reservation");

        athena.updateCapacityReservation(r -> r.name(name).targetDpus(40));
        assertEquals(40, reservation(name).targetDpus());
        awaitStatus(name, CapacityReservationStatus.ACTIVE);
        assertEquals(40, reservation(name).allocatedDpus());
        InvalidRequestException decrease = assertThrows(InvalidRequestException.class,
                () -> athena.updateCapacityReservation(r -> r.name(name).targetDpus(24)));
        assertTrue(decrease.getMessage().contains("an hour after it was created or DPUs were last added"), decrease.getMessage());

        assertThrows(InvalidRequestException.class, () -> athena.deleteCapacityReservation(r -> r.name(name)));
        athena.cancelCapacityReservation(r -> r.name(name));
        awaitStatus(name, CapacityReservationStatus.CANCELLED);
        assertEquals(0, reservation(name).allocatedDpus());
        assertEquals(List.of(), athena.getCapacityAssignmentConfiguration(r -> r.capacityReservationName(name))
                .capacityAssignmentConfiguration().capacityAssignments(), "a cancelled reservation releases its workgroups");
        athena.deleteCapacityReservation(r -> r.name(name));
        InvalidRequestException gone = assertThrows(InvalidRequestException.class, () -> reservation(name));
        assertEquals("Capacity reservation " + name + " is not found.", gone.awsErrorDetails().errorMessage());
    }

    @Test
    void badRequestsGetInvalidRequestException() {
        InvalidRequestException small = assertThrows(InvalidRequestException.class,
                () -> athena.createCapacityReservation(r -> r.name(unique("small")).targetDpus(20)));
        assertEquals("TargetDpus must be at least 24 and a multiple of 4; got 20", small.awsErrorDetails().errorMessage());
        // the model's own constraints are checked before Noctua's
        assertThrows(InvalidRequestException.class, () -> athena.createCapacityReservation(r -> r.name("has space").targetDpus(24)));
        assertThrows(InvalidRequestException.class, () -> athena.createCapacityReservation(r -> r.name(unique("no-dpus"))));
        String name = unique("assign");
        athena.createCapacityReservation(r -> r.name(name).targetDpus(24));
        InvalidRequestException unknown = assertThrows(InvalidRequestException.class, () -> athena.putCapacityAssignmentConfiguration(
                r -> r.capacityReservationName(name).capacityAssignments(CapacityAssignment.builder().workGroupNames("no-such-wg").build())));
        assertEquals("WorkGroup no-such-wg is not found.", unknown.awsErrorDetails().errorMessage());
    }

    @Test
    void listingIsPaged() {
        String prefix = unique("list");
        for (int i = 0; i < 3; i++) {
            String name = prefix + "-" + i;
            athena.createCapacityReservation(r -> r.name(name).targetDpus(24));
        }
        List<String> seen = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            String next = token;
            ListCapacityReservationsResponse page = athena.listCapacityReservations(r -> r.maxResults(2).nextToken(next));
            assertTrue(page.capacityReservations().size() <= 2);
            page.capacityReservations().forEach(reservation -> seen.add(reservation.name()));
            token = page.nextToken();
            pages++;
        } while (token != null);
        assertTrue(pages >= 2);
        assertEquals(List.of(prefix + "-0", prefix + "-1", prefix + "-2"), seen.stream().filter(n -> n.startsWith(prefix)).toList());
    }
}
