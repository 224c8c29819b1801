package io.noctua.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A cell's value and rich outputs, in the form docs/calculation-results.md gives them: the value as
 * one MIME bundle ({@code null} when the cell has none), and every output in order, each an
 * nbformat 4 output ({@code display_data} or {@code execute_result}). The server passes them through
 * to the result store as they are.
 */
public record RichOutputs(ObjectNode value, ArrayNode outputs) {
    public static final String TABLE_TYPE = "application/vnd.noctua.table+json";

    public RichOutputs {
        outputs = outputs == null ? JsonNodeFactory.instance.arrayNode() : outputs;
    }

    public static RichOutputs none() {
        return new RichOutputs(null, null);
    }

    /** What a Python worker answered: its {@code result} bundle and {@code outputs}, each absent or null when there are none. */
    public static RichOutputs fromWorker(JsonNode result, JsonNode outputs) {
        return new RichOutputs(result instanceof ObjectNode bundle ? bundle : null, outputs instanceof ArrayNode list ? list : null);
    }

    /** One output of {@code type} holding {@code bundle}, in nbformat's shape. */
    public static ObjectNode output(String type, ObjectNode bundle) {
        ObjectNode output = JsonNodeFactory.instance.objectNode().put("output_type", type);
        output.set("data", bundle);
        output.putObject("metadata");
        return output;
    }
}
