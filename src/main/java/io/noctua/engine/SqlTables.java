package io.noctua.engine;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@code %%sql} statement's result, shown both ways from one run of its query: the text
 * {@code .show()} prints, and the first rows as Noctua's table type (docs/calculation-results.md).
 * The query runs once, for its first {@link #TABLE_ROWS} + 1 rows; both forms are made from those
 * rows in the driver.
 */
final class SqlTables {
    /** The rows a table holds, as {@code %table} shows by default. */
    static final int TABLE_ROWS = 100;

    private SqlTables() {
    }

    /** What one statement showed: its {@code .show()} text and its table bundle. */
    record Shown(String text, ObjectNode bundle) {
    }

    static Shown show(SparkSession spark, Dataset<Row> result, int showRows, int showTruncate) {
        StructType schema = result.schema();
        List<Row> rows = result.takeAsList(TABLE_ROWS + 1);
        // the fetched rows as a local relation: showing and converting them runs no Spark job, and never the query again
        Dataset<Row> local = spark.createDataFrame(rows, schema);
        String text = local.showString(showRows, showTruncate, false);
        return new Shown(text, bundle(local, schema, rows.size() > TABLE_ROWS, text));
    }

    private static ObjectNode bundle(Dataset<Row> local, StructType schema, boolean truncated, String text) {
        JsonNodeFactory json = JsonNodeFactory.instance;
        ObjectNode table = json.objectNode();
        ArrayNode columns = table.putArray("columns");
        StructField[] fields = schema.fields();
        String[] positional = new String[fields.length];
        for (int i = 0; i < fields.length; i++) {
            columns.addObject().put("name", fields[i].name()).put("type", fields[i].dataType().simpleString());
            positional[i] = "c" + i; // names may repeat in Spark: columns are taken by position
        }
        Dataset<Row> renamed = local.toDF(positional);
        List<Column> cells = new ArrayList<>();
        for (int i = 0; i < fields.length; i++) {
            cells.add(cell(functions.col(positional[i]), fields[i].dataType()).as(positional[i]));
        }
        List<Row> converted = renamed.select(cells.toArray(Column[]::new)).limit(TABLE_ROWS).collectAsList();
        ArrayNode rows = table.putArray("rows");
        for (Row row : converted) {
            ArrayNode values = rows.addArray();
            for (int i = 0; i < fields.length; i++) {
                addValue(values, row.isNullAt(i) ? null : row.get(i));
            }
        }
        table.put("truncated", truncated);
        ObjectNode bundle = json.objectNode();
        bundle.set(RichOutputs.TABLE_TYPE, table);
        bundle.put("text/plain", text);
        return bundle;
    }

    /** A column as the table holds it: numbers and booleans as they are, binary as base64, the rest as Spark's text. */
    private static Column cell(Column column, DataType type) {
        if (type instanceof BooleanType || type instanceof ByteType || type instanceof ShortType || type instanceof IntegerType
                || type instanceof LongType || type instanceof FloatType || type instanceof DoubleType || type instanceof StringType) {
            return column;
        }
        if (type instanceof BinaryType) {
            return functions.base64(column);
        }
        return column.cast("string");
    }

    private static void addValue(ArrayNode values, Object value) {
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
            else if (value instanceof Float f) {
                values.add(Double.parseDouble(f.toString())); // 0.1f as 0.1, not 0.10000000149011612
            }
            else {
                values.add(d);
            }
        }
        else {
            values.add(value.toString());
        }
    }
}
