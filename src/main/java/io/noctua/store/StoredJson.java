package io.noctua.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.noctua.api.MonitoringShapes.CloudWatchLoggingConfiguration;
import io.noctua.api.MonitoringShapes.ManagedLoggingConfiguration;
import io.noctua.api.MonitoringShapes.MonitoringConfiguration;
import io.noctua.api.MonitoringShapes.S3LoggingConfiguration;
import io.noctua.api.SessionShapes.Classification;
import io.noctua.api.SessionShapes.EngineConfiguration;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The store's JSON columns, mapped member by member here rather than by the API's JSON codec, so that
 * a change to the wire mapping never changes what is stored or how stored rows are read. The names
 * are those the rows were first written with (the model's).
 */
final class StoredJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StoredJson() {
    }

    static String engineConfiguration(EngineConfiguration configuration) {
        ObjectNode node = JSON.createObjectNode();
        putInt(node, "CoordinatorDpuSize", configuration.coordinatorDpuSize());
        putInt(node, "MaxConcurrentDpus", configuration.maxConcurrentDpus());
        putInt(node, "DefaultExecutorDpuSize", configuration.defaultExecutorDpuSize());
        putMap(node, "AdditionalConfigs", configuration.additionalConfigs());
        putMap(node, "SparkProperties", configuration.sparkProperties());
        if (configuration.classifications() != null) {
            ArrayNode classifications = node.putArray("Classifications");
            for (Classification classification : configuration.classifications()) {
                ObjectNode item = classifications.addObject();
                if (classification.name() != null) {
                    item.put("Name", classification.name());
                }
                putMap(item, "Properties", classification.properties());
            }
        }
        return node.toString();
    }

    static EngineConfiguration engineConfiguration(String json) throws SQLException {
        JsonNode node = object(json, "engine configuration");
        List<Classification> classifications = null;
        if (node.has("Classifications")) {
            classifications = new ArrayList<>();
            for (JsonNode item : node.get("Classifications")) {
                classifications.add(new Classification(text(item, "Name"), map(item, "Properties")));
            }
        }
        return new EngineConfiguration(integer(node, "CoordinatorDpuSize"), integer(node, "MaxConcurrentDpus"),
                integer(node, "DefaultExecutorDpuSize"), map(node, "AdditionalConfigs"), map(node, "SparkProperties"), classifications);
    }

    /** A session's MonitoringConfiguration; null for none. */
    static String monitoringConfiguration(MonitoringConfiguration configuration) {
        if (configuration == null) {
            return null;
        }
        ObjectNode node = JSON.createObjectNode();
        CloudWatchLoggingConfiguration cloudWatch = configuration.cloudWatchLoggingConfiguration();
        if (cloudWatch != null) {
            ObjectNode item = node.putObject("CloudWatchLoggingConfiguration");
            putBoolean(item, "Enabled", cloudWatch.enabled());
            putText(item, "LogGroup", cloudWatch.logGroup());
            putText(item, "LogStreamNamePrefix", cloudWatch.logStreamNamePrefix());
            if (cloudWatch.logTypes() != null) {
                ObjectNode types = item.putObject("LogTypes");
                cloudWatch.logTypes().forEach((type, values) -> {
                    ArrayNode list = types.putArray(type);
                    if (values != null) {
                        values.forEach(list::add);
                    }
                });
            }
        }
        ManagedLoggingConfiguration managed = configuration.managedLoggingConfiguration();
        if (managed != null) {
            ObjectNode item = node.putObject("ManagedLoggingConfiguration");
            putBoolean(item, "Enabled", managed.enabled());
            putText(item, "KmsKey", managed.kmsKey());
        }
        S3LoggingConfiguration s3 = configuration.s3LoggingConfiguration();
        if (s3 != null) {
            ObjectNode item = node.putObject("S3LoggingConfiguration");
            putBoolean(item, "Enabled", s3.enabled());
            putText(item, "KmsKey", s3.kmsKey());
            putText(item, "LogLocation", s3.logLocation());
        }
        return node.toString();
    }

    static MonitoringConfiguration monitoringConfiguration(String json) throws SQLException {
        if (json == null) {
            return null;
        }
        JsonNode node = object(json, "monitoring configuration");
        CloudWatchLoggingConfiguration cloudWatch = null;
        if (node.hasNonNull("CloudWatchLoggingConfiguration")) {
            JsonNode item = node.get("CloudWatchLoggingConfiguration");
            Map<String, List<String>> types = null;
            if (item.hasNonNull("LogTypes")) {
                types = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> type : (Iterable<Map.Entry<String, JsonNode>>) item.get("LogTypes")::fields) {
                    List<String> values = new ArrayList<>();
                    type.getValue().forEach(value -> values.add(value.asText()));
                    types.put(type.getKey(), values);
                }
            }
            cloudWatch = new CloudWatchLoggingConfiguration(bool(item, "Enabled"), text(item, "LogGroup"), text(item, "LogStreamNamePrefix"),
                    types);
        }
        ManagedLoggingConfiguration managed = null;
        if (node.hasNonNull("ManagedLoggingConfiguration")) {
            JsonNode item = node.get("ManagedLoggingConfiguration");
            managed = new ManagedLoggingConfiguration(bool(item, "Enabled"), text(item, "KmsKey"));
        }
        S3LoggingConfiguration s3 = null;
        if (node.hasNonNull("S3LoggingConfiguration")) {
            JsonNode item = node.get("S3LoggingConfiguration");
            s3 = new S3LoggingConfiguration(bool(item, "Enabled"), text(item, "KmsKey"), text(item, "LogLocation"));
        }
        return new MonitoringConfiguration(cloudWatch, managed, s3);
    }

    /** A JSON object stored as it was given (a workgroup's configuration). */
    static ObjectNode object(String json, String what) throws SQLException {
        try {
            JsonNode node = JSON.readTree(json);
            if (node instanceof ObjectNode object) {
                return object;
            }
        }
        catch (JsonProcessingException e) {
            throw new SQLException("the stored " + what + " is not JSON", e);
        }
        throw new SQLException("the stored " + what + " is not a JSON object");
    }

    private static void putInt(ObjectNode node, String name, Integer value) {
        if (value != null) {
            node.put(name, value);
        }
    }

    private static void putBoolean(ObjectNode node, String name, Boolean value) {
        if (value != null) {
            node.put(name, value);
        }
    }

    private static void putText(ObjectNode node, String name, String value) {
        if (value != null) {
            node.put(name, value);
        }
    }

    private static Boolean bool(JsonNode node, String name) {
        return node.hasNonNull(name) ? node.get(name).asBoolean() : null;
    }

    private static void putMap(ObjectNode node, String name, Map<String, String> map) {
        if (map != null) {
            ObjectNode entries = node.putObject(name);
            map.forEach(entries::put);
        }
    }

    private static Integer integer(JsonNode node, String name) {
        return node.hasNonNull(name) ? node.get(name).asInt() : null;
    }

    private static String text(JsonNode node, String name) {
        return node.hasNonNull(name) ? node.get(name).asText() : null;
    }

    private static Map<String, String> map(JsonNode node, String name) {
        if (!node.hasNonNull(name)) {
            return null;
        }
        Map<String, String> map = new LinkedHashMap<>();
        node.get(name).fields().forEachRemaining(entry -> map.put(entry.getKey(), entry.getValue().asText()));
        return map;
    }
}
