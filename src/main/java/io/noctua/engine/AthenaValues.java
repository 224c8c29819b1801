package io.noctua.engine;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.CharType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.NullType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;
import org.apache.spark.sql.types.VarcharType;
import scala.jdk.javaapi.CollectionConverters;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.Map;

/**
 * Spark's types and values as Athena's SQL API shows them: the type names of {@code ColumnInfo}
 * ({@code varchar}, {@code integer}, {@code decimal}, {@code row}...) with the precision Athena
 * gives each, and values as the text of {@code VarCharValue} (timestamps to the millisecond,
 * arrays as {@code [a, b]}, maps and rows as {@code {k=v}}).
 */
final class AthenaValues {
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private AthenaValues() {
    }

    static QueryEngine.ResultColumn column(StructField field) {
        DataType type = field.dataType();
        return new QueryEngine.ResultColumn(field.name(), typeName(type), precision(type), type instanceof DecimalType d ? d.scale() : 0,
                isText(type));
    }

    static String typeName(DataType type) {
        if (isText(type)) {
            return "varchar";
        }
        if (type instanceof DecimalType) {
            return "decimal";
        }
        if (type instanceof IntegerType) {
            return "integer";
        }
        if (type instanceof LongType) {
            return "bigint";
        }
        if (type instanceof ShortType) {
            return "smallint";
        }
        if (type instanceof ByteType) {
            return "tinyint";
        }
        if (type instanceof DoubleType) {
            return "double";
        }
        if (type instanceof FloatType) {
            return "float";
        }
        if (type instanceof BooleanType) {
            return "boolean";
        }
        if (type instanceof DateType) {
            return "date";
        }
        if (type instanceof TimestampType || type instanceof TimestampNTZType) {
            return "timestamp";
        }
        if (type instanceof BinaryType) {
            return "varbinary";
        }
        if (type instanceof ArrayType) {
            return "array";
        }
        if (type instanceof MapType) {
            return "map";
        }
        if (type instanceof StructType) {
            return "row";
        }
        if (type instanceof NullType) {
            return "unknown";
        }
        return type.typeName();
    }

    private static boolean isText(DataType type) {
        return type instanceof StringType || type instanceof VarcharType || type instanceof CharType;
    }

    /** The precision Athena reports: digits for numbers, length for text, 3 (milliseconds) for timestamps. */
    private static int precision(DataType type) {
        if (type instanceof VarcharType v) {
            return v.length();
        }
        if (type instanceof CharType c) {
            return c.length();
        }
        if (type instanceof StringType) {
            return Integer.MAX_VALUE;
        }
        if (type instanceof DecimalType d) {
            return d.precision();
        }
        if (type instanceof IntegerType) {
            return 10;
        }
        if (type instanceof LongType) {
            return 19;
        }
        if (type instanceof ShortType) {
            return 5;
        }
        if (type instanceof ByteType) {
            return 3;
        }
        if (type instanceof DoubleType) {
            return 17;
        }
        if (type instanceof FloatType) {
            return 9;
        }
        if (type instanceof TimestampType || type instanceof TimestampNTZType) {
            return 3;
        }
        if (type instanceof BinaryType) {
            return 1_073_741_824;
        }
        return 0;
    }

    /** A value as Athena's text shows it; null for SQL NULL at the top level. */
    static String text(Object value, DataType type, ZoneId zone) {
        if (value == null) {
            return null;
        }
        StringBuilder out = new StringBuilder();
        append(out, value, type, zone);
        return out.toString();
    }

    private static void append(StringBuilder out, Object value, DataType type, ZoneId zone) {
        if (value == null) {
            out.append("null");
        }
        else if (value instanceof BigDecimal decimal) {
            out.append(decimal.toPlainString());
        }
        else if (value instanceof java.sql.Timestamp timestamp) {
            out.append(TIMESTAMP.format(timestamp.toLocalDateTime()));
        }
        else if (value instanceof Instant instant) {
            out.append(TIMESTAMP.format(LocalDateTime.ofInstant(instant, zone)));
        }
        else if (value instanceof LocalDateTime local) {
            out.append(TIMESTAMP.format(local));
        }
        else if (value instanceof java.sql.Date || value instanceof LocalDate) {
            out.append(value);
        }
        else if (value instanceof byte[] bytes) {
            for (int i = 0; i < bytes.length; i++) {
                if (i > 0) {
                    out.append(' ');
                }
                out.append(HEX[(bytes[i] >> 4) & 0xf]).append(HEX[bytes[i] & 0xf]);
            }
        }
        else if (value instanceof Row row) {
            StructField[] fields = type instanceof StructType struct ? struct.fields() : null;
            out.append('{');
            for (int i = 0; i < row.length(); i++) {
                if (i > 0) {
                    out.append(", ");
                }
                out.append(fields == null ? "_col" + i : fields[i].name()).append('=');
                append(out, row.get(i), fields == null ? null : fields[i].dataType(), zone);
            }
            out.append('}');
        }
        else if (value instanceof scala.collection.Map<?, ?> map) {
            DataType keyType = type instanceof MapType m ? m.keyType() : null;
            DataType valueType = type instanceof MapType m ? m.valueType() : null;
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> entry : CollectionConverters.asJava(map).entrySet()) {
                if (!first) {
                    out.append(", ");
                }
                first = false;
                append(out, entry.getKey(), keyType, zone);
                out.append('=');
                append(out, entry.getValue(), valueType, zone);
            }
            out.append('}');
        }
        else if (value instanceof scala.collection.Iterable<?> items) {
            DataType elementType = type instanceof ArrayType a ? a.elementType() : null;
            out.append('[');
            Iterator<?> iterator = CollectionConverters.asJava(items.iterator());
            boolean first = true;
            while (iterator.hasNext()) {
                if (!first) {
                    out.append(", ");
                }
                first = false;
                append(out, iterator.next(), elementType, zone);
            }
            out.append(']');
        }
        else {
            out.append(value);
        }
    }
}
