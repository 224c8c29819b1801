package io.noctua.workgroup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.noctua.api.InvalidRequestException;
import io.noctua.api.PageTokens;
import io.noctua.api.WorkGroupShapes.ApplicationDPUSizes;
import io.noctua.api.WorkGroupShapes.CreateWorkGroupInput;
import io.noctua.api.WorkGroupShapes.CreateWorkGroupOutput;
import io.noctua.api.WorkGroupShapes.DeleteWorkGroupInput;
import io.noctua.api.WorkGroupShapes.DeleteWorkGroupOutput;
import io.noctua.api.WorkGroupShapes.EngineVersion;
import io.noctua.api.WorkGroupShapes.GetWorkGroupInput;
import io.noctua.api.WorkGroupShapes.GetWorkGroupOutput;
import io.noctua.api.WorkGroupShapes.ListApplicationDPUSizesInput;
import io.noctua.api.WorkGroupShapes.ListApplicationDPUSizesOutput;
import io.noctua.api.WorkGroupShapes.ListEngineVersionsInput;
import io.noctua.api.WorkGroupShapes.ListEngineVersionsOutput;
import io.noctua.api.WorkGroupShapes.ListWorkGroupsInput;
import io.noctua.api.WorkGroupShapes.ListWorkGroupsOutput;
import io.noctua.api.WorkGroupShapes.UpdateWorkGroupInput;
import io.noctua.api.WorkGroupShapes.UpdateWorkGroupOutput;
import io.noctua.api.WorkGroupShapes.WorkGroupSummary;
import io.noctua.api.WorkGroupState;
import io.noctua.monitoring.MonitoringConfigurations;
import io.noctua.protocol.JsonCodec;
import io.noctua.results.S3Location;
import io.noctua.tags.TagService;
import io.noctua.tags.TaggedResource;

import java.time.Clock;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/** Athena's workgroup rules: create, read, list, update, delete, and what engines exist. */
public final class WorkGroupService {
    public static final String PRIMARY = "primary";
    /** Athena's runtime for Spark notebooks and sessions; the only one, with DPU size 1. */
    public static final String NOTEBOOK_RUNTIME = "Athena notebook version 1";

    private final WorkGroupStore store;
    private final TagService tags;
    private final Clock clock;
    private final Consumer<String> terminateSessionsOf;

    /**
     * @param terminateSessionsOf ends the live sessions of a workgroup and lets go of what is kept of them, before a recursive delete
     */
    public WorkGroupService(WorkGroupStore store, TagService tags, Clock clock, Consumer<String> terminateSessionsOf) {
        this.store = requireNonNull(store, "store is null");
        this.tags = requireNonNull(tags, "tags is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.terminateSessionsOf = requireNonNull(terminateSessionsOf, "terminateSessionsOf is null");
    }

    /** Athena's answer for a workgroup name it does not know. */
    public static InvalidRequestException notFound() {
        return new InvalidRequestException("WorkGroup is not found.");
    }

    /** Creates {@code primary} (SQL engine, as in every Athena account) and the ready Spark workgroup, once. */
    public void createDefaults(String sparkWorkGroup, String outputLocation, String executionRole) {
        if (store.get(PRIMARY).isEmpty()) {
            store.insert(new WorkGroup(PRIMARY, WorkGroupState.ENABLED, null, normalize(JsonCodec.mapper().createObjectNode()), clock.instant()));
        }
        if (store.get(sparkWorkGroup).isEmpty()) {
            ObjectNode configuration = JsonCodec.mapper().createObjectNode();
            configuration.putObject("ResultConfiguration").put("OutputLocation", outputLocation);
            configuration.putObject("EngineVersion").put("SelectedEngineVersion", EngineVersions.PYSPARK_3);
            configuration.put("ExecutionRole", executionRole);
            store.insert(new WorkGroup(sparkWorkGroup, WorkGroupState.ENABLED, "Ready-made Apache Spark workgroup of Noctua",
                    normalize(configuration), clock.instant()));
        }
    }

    public CreateWorkGroupOutput create(CreateWorkGroupInput input) {
        ObjectNode configuration = input.configuration() == null ? JsonCodec.mapper().createObjectNode() : input.configuration();
        WorkGroup workGroup = new WorkGroup(input.name(), WorkGroupState.ENABLED, input.description(), normalize(configuration), clock.instant());
        check(workGroup);
        Map<String, String> checkedTags = tags.checked(input.tags());
        if (!store.insert(workGroup)) {
            throw new InvalidRequestException("WorkGroup is already created");
        }
        tags.tagNew(TaggedResource.workGroup(workGroup.name()), checkedTags);
        return new CreateWorkGroupOutput();
    }

    public GetWorkGroupOutput get(GetWorkGroupInput input) {
        WorkGroup workGroup = require(input.workGroup());
        return new GetWorkGroupOutput(new io.noctua.api.WorkGroupShapes.WorkGroup(workGroup.name(), workGroup.state(),
                workGroup.configuration(), workGroup.description(), workGroup.creationTime()));
    }

    public WorkGroup require(String name) {
        return store.get(name).orElseThrow(WorkGroupService::notFound);
    }

    public ListWorkGroupsOutput list(ListWorkGroupsInput input) {
        PageTokens.KeyPage<WorkGroup> page = PageTokens.KeyPage.read("workgroups", input.nextToken(), input.maxResults(), 50, store::list,
                WorkGroup::name);
        return new ListWorkGroupsOutput(page.map(w -> new WorkGroupSummary(w.name(), w.state(), w.description(), w.creationTime(),
                new EngineVersion(w.selectedEngineVersion(), w.effectiveEngineVersion()))), page.nextToken());
    }

    public UpdateWorkGroupOutput update(UpdateWorkGroupInput input) {
        WorkGroup current = require(input.workGroup());
        ObjectNode configuration = current.configuration();
        if (input.configurationUpdates() != null) {
            applyUpdates(configuration, input.configurationUpdates());
        }
        WorkGroup updated = new WorkGroup(current.name(), input.state() == null ? current.state() : input.state(),
                input.description() == null ? current.description() : input.description(), normalize(configuration),
                current.creationTime());
        if (updated.isSpark() != current.isSpark()) {
            throw new InvalidRequestException("The engine of a workgroup cannot change between Athena SQL and Apache Spark; create another workgroup");
        }
        check(updated);
        store.update(updated);
        return new UpdateWorkGroupOutput();
    }

    public DeleteWorkGroupOutput delete(DeleteWorkGroupInput input) {
        WorkGroup workGroup = require(input.workGroup());
        if (workGroup.name().equals(PRIMARY)) {
            throw new InvalidRequestException("primary workGroup could not be deleted");
        }
        boolean recursive = Boolean.TRUE.equals(input.recursiveDeleteOption());
        if (recursive) {
            terminateSessionsOf.accept(workGroup.name());
        }
        switch (store.delete(workGroup.name(), recursive)) {
            case NOT_FOUND -> throw notFound();
            case NOT_EMPTY -> throw new InvalidRequestException("WorkGroup " + workGroup.name() + " is not empty");
            case DELETED -> { }
        }
        return new DeleteWorkGroupOutput();
    }

    public ListEngineVersionsOutput listEngineVersions(ListEngineVersionsInput input) {
        List<EngineVersion> all = EngineVersions.ALL.stream().map(pair -> new EngineVersion(pair.get(0), pair.get(1))).toList();
        return page(all, input.nextToken(), input.maxResults(), 10, "engine-versions",
                (items, next) -> new ListEngineVersionsOutput(items, next));
    }

    public ListApplicationDPUSizesOutput listApplicationDPUSizes(ListApplicationDPUSizesInput input) {
        List<ApplicationDPUSizes> all = List.of(new ApplicationDPUSizes(NOTEBOOK_RUNTIME, List.of(1)));
        return page(all, input.nextToken(), input.maxResults(), 100, "dpu-sizes",
                (items, next) -> new ListApplicationDPUSizesOutput(items, next));
    }

    private static <T, R> R page(List<T> all, String token, Integer maxResults, int defaultLimit, String listing,
                                 java.util.function.BiFunction<List<T>, String, R> output) {
        Long from = PageTokens.decodeLong(listing, token);
        int start = from == null ? 0 : (int) Math.min(all.size(), Math.max(0, from));
        int end = Math.min(all.size(), start + (maxResults == null ? defaultLimit : maxResults));
        return output.apply(all.subList(start, end), end < all.size() ? PageTokens.encode(listing, Integer.toString(end)) : null);
    }

    /** Rules beyond the model's constraints, as Athena applies them. */
    private static void check(WorkGroup workGroup) {
        String selected = workGroup.selectedEngineVersion();
        if (EngineVersions.resolve(selected).isEmpty()) {
            throw new InvalidRequestException("Engine version '" + selected + "' is not supported; ListEngineVersions lists the versions Noctua runs");
        }
        if (workGroup.isSpark() && workGroup.executionRole().isEmpty()) {
            throw new InvalidRequestException("executionRole is null or empty");
        }
        MonitoringConfigurations.check(workGroup.monitoringConfiguration(), "Configuration.MonitoringConfiguration");
        workGroup.outputLocation().ifPresent(location -> {
            if (!S3Location.isValid(location)) {
                throw new InvalidRequestException("OutputLocation '" + location + "' is not a valid s3:// location (s3://bucket/prefix/)");
            }
        });
    }

    /** Fills in {@code EngineVersion.EffectiveEngineVersion}, as Athena returns it. */
    private static ObjectNode normalize(ObjectNode configuration) {
        ObjectNode copy = configuration.deepCopy();
        JsonNode engine = copy.get("EngineVersion");
        ObjectNode engineVersion = engine instanceof ObjectNode node ? node : copy.putObject("EngineVersion");
        if (!engineVersion.hasNonNull("SelectedEngineVersion")) {
            engineVersion.put("SelectedEngineVersion", EngineVersions.AUTO);
        }
        engineVersion.put("EffectiveEngineVersion", EngineVersions.effective(engineVersion.get("SelectedEngineVersion").asText()));
        return copy;
    }

    /**
     * {@code WorkGroupConfigurationUpdates} onto a {@code WorkGroupConfiguration}: members are set,
     * {@code RemoveX: true} removes X, {@code ResultConfigurationUpdates} edits {@code ResultConfiguration}.
     */
    private static void applyUpdates(ObjectNode configuration, ObjectNode updates) {
        for (Iterator<Map.Entry<String, JsonNode>> it = updates.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> update = it.next();
            String name = update.getKey();
            JsonNode value = update.getValue();
            if (value == null || value.isNull()) {
                continue;
            }
            if (name.equals("ResultConfigurationUpdates")) {
                JsonNode existing = configuration.get("ResultConfiguration");
                ObjectNode result = existing instanceof ObjectNode node ? node : configuration.putObject("ResultConfiguration");
                applyUpdates(result, (ObjectNode) value);
            }
            else if (name.startsWith("Remove")) {
                if (value.asBoolean()) {
                    configuration.remove(name.substring("Remove".length()));
                }
            }
            else {
                configuration.set(name, value.deepCopy());
            }
        }
    }
}
