package io.noctua.workgroup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.noctua.api.MonitoringShapes.MonitoringConfiguration;
import io.noctua.api.WorkGroupState;
import io.noctua.monitoring.MonitoringConfigurations;

import java.time.Instant;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * A workgroup as stored. {@code configuration} is Athena's {@code WorkGroupConfiguration} as JSON,
 * with {@code EngineVersion.EffectiveEngineVersion} filled in; it is copied in and out so that the
 * record stays immutable.
 */
public record WorkGroup(String name, WorkGroupState state, String description, ObjectNode configuration, Instant creationTime) {
    public WorkGroup {
        requireNonNull(name, "name is null");
        requireNonNull(state, "state is null");
        configuration = requireNonNull(configuration, "configuration is null").deepCopy();
        requireNonNull(creationTime, "creationTime is null");
    }

    @Override
    public ObjectNode configuration() {
        return configuration.deepCopy();
    }

    public String selectedEngineVersion() {
        return configuration.path("EngineVersion").path("SelectedEngineVersion").asText(EngineVersions.AUTO);
    }

    public String effectiveEngineVersion() {
        return EngineVersions.effective(selectedEngineVersion());
    }

    /** Whether this workgroup runs Athena for Apache Spark, the only kind that takes sessions and calculations. */
    public boolean isSpark() {
        return EngineVersions.PYSPARK_3.equals(effectiveEngineVersion());
    }

    public Optional<String> executionRole() {
        return text(configuration.get("ExecutionRole"));
    }

    /** The sessions' logs, unless a session gives its own ({@link MonitoringConfigurations#effective}); null if not set. */
    public MonitoringConfiguration monitoringConfiguration() {
        return MonitoringConfigurations.of(configuration);
    }

    public Optional<String> outputLocation() {
        return text(configuration.path("ResultConfiguration").get("OutputLocation"));
    }

    private static Optional<String> text(JsonNode node) {
        return node == null || !node.isTextual() || node.textValue().isEmpty() ? Optional.empty() : Optional.of(node.textValue());
    }
}
