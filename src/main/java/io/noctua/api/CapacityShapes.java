package io.noctua.api;

import io.noctua.api.WorkGroupShapes.Tag;

import java.time.Instant;
import java.util.List;

/** The inputs and outputs of the capacity reservation operations, named as in the Athena model. */
public final class CapacityShapes {
    private CapacityShapes() {
    }

    public enum CapacityReservationStatus { PENDING, ACTIVE, CANCELLING, CANCELLED, FAILED, UPDATE_PENDING }

    public enum CapacityAllocationStatus { PENDING, SUCCEEDED, FAILED }

    public record CapacityAllocation(CapacityAllocationStatus status, String statusMessage, Instant requestTime, Instant requestCompletionTime) {
    }

    public record CapacityReservation(String name, CapacityReservationStatus status, Integer targetDpus, Integer allocatedDpus,
                                      CapacityAllocation lastAllocation, Instant lastSuccessfulAllocationTime, Instant creationTime) {
    }

    public record CreateCapacityReservationInput(Integer targetDpus, String name, List<Tag> tags) {
    }

    public record CreateCapacityReservationOutput() {
    }

    public record CapacityReservationNameInput(String name) {
    }

    public record GetCapacityReservationOutput(CapacityReservation capacityReservation) {
    }

    public record ListCapacityReservationsInput(String nextToken, Integer maxResults) {
    }

    public record ListCapacityReservationsOutput(String nextToken, List<CapacityReservation> capacityReservations) {
    }

    public record UpdateCapacityReservationInput(Integer targetDpus, String name) {
    }

    /** The empty output of Update, Cancel and Delete. */
    public record CapacityReservationChanged() {
    }

    public record CapacityAssignment(List<String> workGroupNames) {
    }

    public record PutCapacityAssignmentConfigurationInput(String capacityReservationName, List<CapacityAssignment> capacityAssignments) {
    }

    public record PutCapacityAssignmentConfigurationOutput() {
    }

    public record GetCapacityAssignmentConfigurationInput(String capacityReservationName) {
    }

    public record CapacityAssignmentConfiguration(String capacityReservationName, List<CapacityAssignment> capacityAssignments) {
    }

    public record GetCapacityAssignmentConfigurationOutput(CapacityAssignmentConfiguration capacityAssignmentConfiguration) {
    }
}
