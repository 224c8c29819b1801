package org.openx.data.jsonserde;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hive.serde2.SerDeException;
import org.apache.hadoop.io.Writable;
import org.apache.hive.hcatalog.data.DefaultHCatRecord;

import java.util.Properties;

/**
 * Noctua's stand-in for the OpenX JSON SerDe that Athena's DDL names
 * ({@code ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'}), whose library is not published
 * on Maven Central. It reads one JSON object per line through HCatalog's JsonSerDe (keys matched to
 * columns without regard to case, as OpenX does by default) and adds OpenX's
 * {@code ignore.malformed.json}: a line that is not JSON becomes a row of nulls instead of failing the
 * query. The OpenX options that rename or reshape keys ({@code mapping.*}, {@code dots.in.keys},
 * {@code case.insensitive=false}) are refused when the table is read, with a message naming them.
 */
public class JsonSerDe extends org.apache.hive.hcatalog.data.JsonSerDe {
    private boolean ignoreMalformed;
    private int columnCount;

    @Override
    public void initialize(Configuration conf, Properties table) throws SerDeException {
        for (String name : table.stringPropertyNames()) {
            if (name.startsWith("mapping.") || name.equals("dots.in.keys")
                    || (name.equals("case.insensitive") && !Boolean.parseBoolean(table.getProperty(name)))) {
                throw new SerDeException("the OpenX JsonSerDe option '" + name + "' is not supported by Noctua's "
                        + "org.openx.data.jsonserde.JsonSerDe (it reads JSON keys by column name, in any case, and "
                        + "supports 'ignore.malformed.json'); use column names that match the keys");
            }
        }
        super.initialize(conf, table);
        ignoreMalformed = Boolean.parseBoolean(table.getProperty("ignore.malformed.json", "false"));
        String columns = table.getProperty("columns", "");
        columnCount = columns.isEmpty() ? 0 : columns.split(",").length;
    }

    @Override
    public Object deserialize(Writable blob) throws SerDeException {
        try {
            return super.deserialize(blob);
        }
        catch (SerDeException | RuntimeException e) {
            if (ignoreMalformed) {
                return new DefaultHCatRecord(columnCount);
            }
            throw new SerDeException("a line is not a JSON object (the table can set 'ignore.malformed.json'='true' "
                    + "to read such lines as nulls): " + blob, e);
        }
    }
}
