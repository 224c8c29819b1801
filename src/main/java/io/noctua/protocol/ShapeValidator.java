package io.noctua.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.noctua.api.InvalidRequestException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * Checks a request body against the Athena model's input shapes (extracted into
 * {@code athena-shapes.json} by {@code tools/extract-athena-shapes.py}).
 *
 * <p>Two passes, in Athena's order: JSON types first (a mismatch is a {@link SerializationException}
 * with Coral's wording), then constraints (required, length, range, pattern, enum), all collected into
 * one {@link InvalidRequestException} in Coral's "N validation errors detected: ...; ..." form.
 * Athena leaves the value out of length and range messages and shows it for pattern and enum ones.
 */
public final class ShapeValidator {
    private final Map<String, String> operations;
    private final Set<String> modelOperations;
    private final Map<String, Shape> shapes;
    private final Function<String, RuntimeException> invalid;

    private ShapeValidator(Map<String, String> operations, Set<String> modelOperations, Map<String, Shape> shapes,
                           Function<String, RuntimeException> invalid) {
        this.operations = Map.copyOf(operations);
        this.modelOperations = Set.copyOf(modelOperations);
        this.shapes = Map.copyOf(shapes);
        this.invalid = invalid;
    }

    /** Athena's shapes; a request that breaks a constraint gets an InvalidRequestException. */
    public static ShapeValidator load() {
        return load("athena-shapes.json", InvalidRequestException::new);
    }

    /** The shapes of {@code resource}; a request that breaks a constraint gets {@code invalid}'s exception, with Coral's message. */
    public static ShapeValidator load(String resource, Function<String, RuntimeException> invalid) {
        try (InputStream in = ShapeValidator.class.getResourceAsStream(resource)) {
            requireNonNull(in, resource + " is missing from the classpath");
            JsonNode document = new ObjectMapper().readTree(in);
            Map<String, String> operations = new HashMap<>();
            document.get("operations").fields().forEachRemaining(e -> operations.put(e.getKey(), e.getValue().asText()));
            Set<String> modelOperations = new HashSet<>(operations.keySet());
            document.path("modelOperations").forEach(name -> modelOperations.add(name.asText()));
            Map<String, Shape> shapes = new HashMap<>();
            document.get("shapes").fields().forEachRemaining(e -> shapes.put(e.getKey(), Shape.parse(e.getValue())));
            return new ShapeValidator(operations, modelOperations, shapes, invalid);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the shapes of {@code operation}'s input are here: it is one the server serves. */
    public boolean knows(String operation) {
        return operations.containsKey(operation);
    }

    /** Whether the service's model has {@code operation}, served or not. */
    public boolean inModel(String operation) {
        return modelOperations.contains(operation);
    }

    /** Throws if {@code body} is not a valid input of {@code operation}. */
    public void validate(String operation, JsonNode body) {
        Shape input = shapes.get(requireNonNull(operations.get(operation), () -> "no input shape for " + operation));
        checkTypes(input, body);
        List<String> errors = new ArrayList<>();
        checkConstraints(input, body, "", errors);
        if (!errors.isEmpty()) {
            String count = errors.size() == 1 ? "1 validation error detected: " : errors.size() + " validation errors detected: ";
            throw invalid.apply(count + String.join("; ", errors));
        }
    }

    private void checkTypes(Shape shape, JsonNode node) {
        if (node == null || node.isNull()) {
            return;
        }
        switch (shape.type) {
            case "structure" -> {
                if (!node.isObject()) {
                    throw new SerializationException(node.isArray() ? "Start of list found where not expected" : "Expected null");
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    String memberShape = shape.members.get(field.getKey());
                    if (memberShape != null) { // unknown members are ignored, as Athena does
                        checkTypes(shapes.get(memberShape), field.getValue());
                    }
                }
            }
            case "list" -> {
                if (!node.isArray()) {
                    throw new SerializationException(node.isObject() ? "Start of structure or map found where not expected." : "Expected list or null");
                }
                Shape member = shapes.get(shape.member);
                node.forEach(element -> checkTypes(member, element));
            }
            case "map" -> {
                if (!node.isObject()) {
                    throw new SerializationException(node.isArray() ? "Start of list found where not expected" : "Expected map or null");
                }
                Shape value = shapes.get(shape.value);
                node.forEach(element -> checkTypes(value, element));
            }
            case "string" -> {
                if (!node.isTextual()) {
                    throw new SerializationException(describe(node) + " can not be converted to a String");
                }
            }
            case "integer", "long" -> {
                if (!node.isIntegralNumber() || (shape.type.equals("integer") ? !node.canConvertToInt() : !node.canConvertToLong())) {
                    throw new SerializationException(describe(node) + " can not be converted to " + (shape.type.equals("integer") ? "an Integer" : "a Long"));
                }
            }
            case "boolean" -> {
                if (!node.isBoolean()) {
                    throw new SerializationException(describe(node) + " can not be converted to a Boolean");
                }
            }
            case "timestamp" -> {
                if (!node.isNumber()) {
                    throw new SerializationException(describe(node) + " can not be converted to a Date");
                }
            }
            default -> throw new IllegalStateException("unknown shape type " + shape.type);
        }
    }

    private static String describe(JsonNode node) {
        if (node.isObject()) {
            return "Start of structure or map";
        }
        if (node.isArray()) {
            return "Start of list";
        }
        if (node.isTextual()) {
            return "STRING_VALUE";
        }
        if (node.isBoolean()) {
            return node.booleanValue() ? "TRUE_VALUE" : "FALSE_VALUE";
        }
        return "NUMBER_VALUE";
    }

    private void checkConstraints(Shape shape, JsonNode node, String path, List<String> errors) {
        switch (shape.type) {
            case "structure" -> {
                for (String required : shape.required) {
                    JsonNode value = node.get(required);
                    if (value == null || value.isNull()) {
                        errors.add("Value null at '" + join(path, required) + "' failed to satisfy constraint: Member must not be null");
                    }
                }
                shape.members.forEach((name, memberShape) -> {
                    JsonNode value = node.get(name);
                    if (value != null && !value.isNull()) {
                        checkConstraints(shapes.get(memberShape), value, join(path, name), errors);
                    }
                });
            }
            case "list" -> {
                checkSize(shape, node.size(), path, errors);
                Shape member = shapes.get(shape.member);
                for (int i = 0; i < node.size(); i++) {
                    if (!node.get(i).isNull()) {
                        checkConstraints(member, node.get(i), path + "." + (i + 1) + ".member", errors);
                    }
                }
            }
            case "map" -> {
                checkSize(shape, node.size(), path, errors);
                Shape key = shapes.get(shape.key);
                Shape value = shapes.get(shape.value);
                node.fields().forEachRemaining(entry -> {
                    checkConstraints(key, new com.fasterxml.jackson.databind.node.TextNode(entry.getKey()), path + ".key", errors);
                    if (!entry.getValue().isNull()) {
                        checkConstraints(value, entry.getValue(), path + ".value", errors);
                    }
                });
            }
            case "string" -> {
                String text = node.textValue();
                int length = text.codePointCount(0, text.length());
                checkSize(shape, length, path, errors);
                if (shape.pattern != null && !shape.pattern.matcher(text).matches()) {
                    errors.add("Value '" + text + "' at '" + path + "' failed to satisfy constraint: Member must satisfy regular expression pattern: " + shape.pattern.pattern());
                }
                if (shape.enumValues != null && !shape.enumValues.contains(text)) {
                    errors.add("Value '" + text + "' at '" + path + "' failed to satisfy constraint: Member must satisfy enum value set: [" + String.join(", ", shape.enumValues) + "]");
                }
            }
            case "integer", "long" -> {
                long value = node.longValue();
                if (shape.min != null && value < shape.min) {
                    errors.add("Value at '" + path + "' failed to satisfy constraint: Member must have value greater than or equal to " + shape.min);
                }
                if (shape.max != null && value > shape.max) {
                    errors.add("Value at '" + path + "' failed to satisfy constraint: Member must have value less than or equal to " + shape.max);
                }
            }
            default -> {
            }
        }
    }

    private static void checkSize(Shape shape, int size, String path, List<String> errors) {
        if (shape.min != null && size < shape.min) {
            errors.add("Value at '" + path + "' failed to satisfy constraint: Member must have length greater than or equal to " + shape.min);
        }
        if (shape.max != null && size > shape.max) {
            errors.add("Value at '" + path + "' failed to satisfy constraint: Member must have length less than or equal to " + shape.max);
        }
    }

    /** Coral names members in lower camel case: {@code EngineConfiguration.MaxConcurrentDpus} is 'engineConfiguration.maxConcurrentDpus'. */
    private static String join(String path, String member) {
        String name = Character.toLowerCase(member.charAt(0)) + member.substring(1);
        return path.isEmpty() ? name : path + "." + name;
    }

    private record Shape(String type, Map<String, String> members, List<String> required, String member, String key,
                         String value, Long min, Long max, Pattern pattern, List<String> enumValues) {
        static Shape parse(JsonNode node) {
            Map<String, String> members = new java.util.LinkedHashMap<>();
            if (node.has("members")) {
                node.get("members").fields().forEachRemaining(e -> members.put(e.getKey(), e.getValue().asText()));
            }
            List<String> required = new ArrayList<>();
            if (node.has("required")) {
                node.get("required").forEach(r -> required.add(r.asText()));
            }
            List<String> enumValues = null;
            if (node.has("enum")) {
                enumValues = new ArrayList<>();
                for (JsonNode e : node.get("enum")) {
                    enumValues.add(e.asText());
                }
            }
            return new Shape(
                    node.get("type").asText(),
                    members,
                    List.copyOf(required),
                    node.has("member") ? node.get("member").asText() : null,
                    node.has("key") ? node.get("key").asText() : null,
                    node.has("value") ? node.get("value").asText() : null,
                    node.has("min") ? node.get("min").asLong() : null,
                    node.has("max") ? node.get("max").asLong() : null,
                    node.has("pattern") ? Pattern.compile(node.get("pattern").asText()) : null,
                    enumValues == null ? null : List.copyOf(enumValues));
        }
    }
}
