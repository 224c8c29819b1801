package io.noctua.engine;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.lang3.StringUtils;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.ToPrettyString;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.util.SchemaUtils;
import org.apache.spark.util.Utils;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A {@code %%sql} statement's result, shown both ways from one run of its query: the text
 * {@code .show()} prints, and the first rows as Noctua's table type (docs/calculation-results.md).
 * The query runs once, as {@code .show()} runs it (each column as Spark's printable text, the first
 * rows taken), with each column's own value beside its text for the table. The text is laid out
 * here as Spark's {@code showString} lays it out.
 */
final class SqlTables {
    /** The rows a table holds, as {@code %table} shows by default. */
    static final int TABLE_ROWS = 100;
    /** Spark's narrowest column in {@code .show()}. */
    private static final int MINIMUM_WIDTH = 3;

    private SqlTables() {
    }

    /** What one statement showed: its {@code .show()} text, and its bundle (the table, and that text as text/plain). */
    record Shown(String text, ObjectNode bundle) {
    }

    static Shown show(Dataset<Row> result, int showRows, int truncate) {
        StructField[] fields = result.schema().fields();
        List<Attribute> output = CollectionConverters.asJava(result.logicalPlan().output());
        List<Column> columns = new ArrayList<>();
        for (Attribute attribute : output) {
            columns.add(new Column(new ToPrettyString(attribute, Option.empty()))); // what .show() prints of it
            columns.add(new Column(attribute));
        }
        List<Row> rows = result.select(columns.toArray(Column[]::new)).takeAsList(Math.max(showRows, TABLE_ROWS) + 1);
        String text = showText(fields, rows, showRows, truncate);
        return new Shown(text, bundle(fields, rows, text));
    }

    /** The text of {@code showString(showRows, truncate, false)}, from the rows' printable columns. */
    private static String showText(StructField[] fields, List<Row> rows, int showRows, int truncate) {
        List<String[]> cells = new ArrayList<>();
        String[] header = new String[fields.length];
        for (int i = 0; i < fields.length; i++) {
            header[i] = SchemaUtils.escapeMetaCharacters(fields[i].name()); // names are never cut
        }
        cells.add(header);
        for (Row row : rows.subList(0, Math.min(showRows, rows.size()))) {
            String[] line = new String[fields.length];
            for (int i = 0; i < fields.length; i++) {
                line[i] = cut(SchemaUtils.escapeMetaCharacters(String.valueOf(row.get(2 * i))), truncate);
            }
            cells.add(line);
        }
        int[] widths = new int[fields.length];
        for (String[] line : cells) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(Math.max(widths[i], MINIMUM_WIDTH), Utils.stringHalfWidth(line[i]));
            }
        }
        StringBuilder separator = new StringBuilder("+");
        for (int width : widths) {
            separator.append("-".repeat(width)).append('+');
        }
        separator.append('\n');
        StringBuilder text = new StringBuilder(separator);
        for (int n = 0; n < cells.size(); n++) {
            String[] line = cells.get(n);
            text.append('|');
            for (int i = 0; i < line.length; i++) {
                int size = widths[i] - Utils.stringHalfWidth(line[i]) + line[i].length();
                text.append(truncate > 0 ? StringUtils.leftPad(line[i], size) : StringUtils.rightPad(line[i], size)).append('|');
            }
            text.append('\n');
            if (n == 0) {
                text.append(separator);
            }
        }
        text.append(separator);
        if (rows.size() > showRows) {
            text.append("only showing top ").append(showRows).append(showRows == 1 ? " row\n" : " rows\n");
        }
        return text.toString();
    }

    /** A cell as .show() cuts it: at {@code truncate} characters, the last three of them "...". */
    private static String cut(String text, int truncate) {
        if (truncate <= 0 || text.length() <= truncate) {
            return text;
        }
        return truncate < 4 ? text.substring(0, truncate) : text.substring(0, truncate - 3) + "...";
    }

    private static ObjectNode bundle(StructField[] fields, List<Row> rows, String text) {
        JsonNodeFactory json = JsonNodeFactory.instance;
        ObjectNode table = json.objectNode();
        ArrayNode columns = table.putArray("columns");
        for (StructField field : fields) {
            columns.addObject().put("name", field.name()).put("type", field.dataType().simpleString());
        }
        ArrayNode values = table.putArray("rows");
        for (Row row : rows.subList(0, Math.min(TABLE_ROWS, rows.size()))) {
            ArrayNode line = values.addArray();
            for (int i = 0; i < fields.length; i++) {
                addValue(line, row.isNullAt(2 * i + 1) ? null : row.get(2 * i + 1), String.valueOf(row.get(2 * i)));
            }
        }
        table.put("truncated", rows.size() > TABLE_ROWS);
        ObjectNode bundle = json.objectNode();
        bundle.set(RichOutputs.TABLE_TYPE, table);
        bundle.put("text/plain", text);
        return bundle;
    }

    /** A value as the table holds it: numbers, booleans and text as they are, binary as base64, the rest as Spark prints it. */
    private static void addValue(ArrayNode values, Object value, String printed) {
        if (value == null) {
            values.addNull();
        }
        else if (value instanceof Boolean b) {
            values.add(b);
        }
        else if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            values.add(((Number) value).longValue());
        }
        else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isNaN(d)) {
                values.add("NaN");
            }
            else if (Double.isInfinite(d)) {
                values.add(d > 0 ? "Infinity" : "-Infinity");
            }
            else {
                values.add(value instanceof Float f ? Double.parseDouble(f.toString()) : d); // 0.1f as 0.1
            }
        }
        else if (value instanceof String s) {
            values.add(s);
        }
        else if (value instanceof byte[] bytes) {
            values.add(Base64.getEncoder().encodeToString(bytes));
        }
        else {
            values.add(printed);
        }
    }
}
