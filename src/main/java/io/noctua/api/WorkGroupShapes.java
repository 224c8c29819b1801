package io.noctua.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.List;

/** Request and response shapes of the workgroup operations, named as in the Athena model. */
public final class WorkGroupShapes {
    private WorkGroupShapes() {
    }

    public record Tag(String key, String value) {
    }

    public record EngineVersion(String selectedEngineVersion, String effectiveEngineVersion) {
    }

    /** {@code Configuration} is kept as the JSON the client sent: it is stored and returned whole. */
    public record CreateWorkGroupInput(String name, ObjectNode configuration, String description, List<Tag> tags) {
    }

    public record CreateWorkGroupOutput() {
    }

    public record GetWorkGroupInput(String workGroup) {
    }

    public record WorkGroup(String name, WorkGroupState state, JsonNode configuration, String description, Instant creationTime) {
    }

    public record GetWorkGroupOutput(WorkGroup workGroup) {
    }

    public record ListWorkGroupsInput(String nextToken, Integer maxResults) {
    }

    public record WorkGroupSummary(String name, WorkGroupState state, String description, Instant creationTime, EngineVersion engineVersion) {
    }

    public record ListWorkGroupsOutput(List<WorkGroupSummary> workGroups, String nextToken) {
    }

    public record UpdateWorkGroupInput(String workGroup, String description, ObjectNode configurationUpdates, WorkGroupState state) {
    }

    public record UpdateWorkGroupOutput() {
    }

    public record DeleteWorkGroupInput(String workGroup, Boolean recursiveDeleteOption) {
    }

    public record DeleteWorkGroupOutput() {
    }

    public record ListEngineVersionsInput(String nextToken, Integer maxResults) {
    }

    public record ListEngineVersionsOutput(List<EngineVersion> engineVersions, String nextToken) {
    }

    public record ListApplicationDPUSizesInput(Integer maxResults, String nextToken) {
    }

    public record ApplicationDPUSizes(String applicationRuntimeId, List<Integer> supportedDPUSizes) {
    }

    public record ListApplicationDPUSizesOutput(List<ApplicationDPUSizes> applicationDPUSizes, String nextToken) {
    }
}
