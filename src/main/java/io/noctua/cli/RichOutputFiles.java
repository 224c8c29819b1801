package io.noctua.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A calculation's rich outputs (docs/calculation-results.md) as files: each output's richest form
 * that a file can hold, named after the calculation and the output's place.
 */
final class RichOutputFiles {
    /** The forms a file is made of, richest first, with the file's extension. */
    private static final List<Map.Entry<String, String>> FORMS = List.of(
            Map.entry("image/png", "png"),
            Map.entry("image/jpeg", "jpg"),
            Map.entry("image/svg+xml", "svg"),
            Map.entry("application/vnd.plotly.v1+json", "plotly.json"),
            Map.entry("application/vnd.noctua.table+json", "csv"),
            Map.entry("text/html", "html"),
            Map.entry("application/json", "json"),
            Map.entry("text/markdown", "md"),
            Map.entry("text/latex", "tex"));

    private RichOutputFiles() {
    }

    /** The richest form of an output's bundle that a file holds, or null when it has text only. */
    static String richest(JsonNode bundle) {
        return FORMS.stream().map(Map.Entry::getKey).filter(bundle::has).findFirst().orElse(null);
    }

    /** Writes the bundle's {@code mime} form as {@code <dir>/<name>.<extension>}; returns the file. */
    static Path save(Path dir, String name, JsonNode bundle, String mime) throws IOException {
        String extension = FORMS.stream().filter(form -> form.getKey().equals(mime)).findFirst().orElseThrow().getValue();
        Files.createDirectories(dir);
        Path file = dir.resolve(name + "." + extension);
        JsonNode content = bundle.get(mime);
        byte[] bytes = switch (mime) {
            case "image/png", "image/jpeg" -> Base64.getMimeDecoder().decode(content.asText());
            case "application/vnd.noctua.table+json" -> csv(content).getBytes(StandardCharsets.UTF_8);
            case "application/vnd.plotly.v1+json", "application/json" -> content.toString().getBytes(StandardCharsets.UTF_8);
            default -> content.asText().getBytes(StandardCharsets.UTF_8);
        };
        Files.write(file, bytes);
        return file;
    }

    /** A table as CSV (RFC 4180): a header line of column names, then a line per row; null is an empty field. */
    static String csv(JsonNode table) {
        StringBuilder csv = new StringBuilder();
        JsonNode columns = table.path("columns");
        for (int i = 0; i < columns.size(); i++) {
            csv.append(i == 0 ? "" : ",").append(field(columns.get(i).path("name").asText()));
        }
        csv.append("\r\n");
        for (JsonNode row : table.path("rows")) {
            for (int i = 0; i < row.size(); i++) {
                JsonNode value = row.get(i);
                csv.append(i == 0 ? "" : ",").append(value.isNull() ? "" : field(value.isTextual() ? value.asText() : value.toString()));
            }
            csv.append("\r\n");
        }
        return csv.toString();
    }

    private static String field(String text) {
        if (text.isEmpty() || text.chars().anyMatch(c -> c == ',' || c == '"' || c == '\n' || c == '\r')) {
            return '"' + text.replace("\"", "\"\"") + '"';
        }
        return text;
    }
}
