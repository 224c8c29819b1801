package io.noctua.engine.hive;

import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapred.FileSplit;
import org.apache.hadoop.mapred.InputSplit;
import org.apache.hadoop.mapred.JobConf;
import org.apache.hadoop.mapred.RecordReader;
import org.apache.hadoop.mapred.Reporter;
import org.apache.hadoop.mapred.TextInputFormat;

import java.io.IOException;

/**
 * Hadoop's text input format, less the first lines of every file: how a Hive text table with
 * {@code TBLPROPERTIES ('skip.header.line.count'='N')} is read (Athena's DDL for CSV files with a
 * header line). Spark's own Hive reader ignores that property; {@link SkipHeaderLines} puts one of
 * these in place of the table's {@code TextInputFormat} for the query, never in the catalog. Hadoop
 * makes input formats by class, so each count has a class of its own.
 */
public abstract class HeaderSkippingTextInputFormat extends TextInputFormat {
    /** The largest count with a class here; a table asking for more fails its query saying so. */
    public static final int MAX_LINES = 9;

    /** The input format that skips {@code lines} header lines. */
    public static String forLines(int lines) {
        if (lines < 1 || lines > MAX_LINES) {
            throw new IllegalArgumentException("skip.header.line.count=" + lines + " is not supported: Noctua skips 1 to " + MAX_LINES
                    + " header lines");
        }
        return HeaderSkippingTextInputFormat.class.getName() + "$Lines" + lines;
    }

    protected abstract int headerLines();

    /** Lines are skipped where a file starts, so only the split at offset 0 skips them. */
    @Override
    public RecordReader<LongWritable, Text> getRecordReader(InputSplit split, JobConf job, Reporter reporter) throws IOException {
        RecordReader<LongWritable, Text> reader = super.getRecordReader(split, job, reporter);
        if (split instanceof FileSplit file && file.getStart() == 0) {
            LongWritable key = reader.createKey();
            Text value = reader.createValue();
            for (int i = 0; i < headerLines() && reader.next(key, value); i++) {
                // a header line, dropped
            }
        }
        return reader;
    }

    public static final class Lines1 extends HeaderSkippingTextInputFormat {
        @Override
        protected int headerLines() {
            return 1;
        }
    }

    public static final class Lines2 extends HeaderSkippingTextInputFormat {
        @Override
        protected int headerLines() {
            return 2;
        }
    }

    public static final class Lines3 extends HeaderSkippingTextInputFormat {
        @Override
        protected int headerLines() {
            return 3;
        }
    }

    public static final class Lines4 extends HeaderSkippingTextInputFormat {
        @Override
        protected int headerLines() {
            return 4;
        }
    }

    public static final class Lines5 extends HeaderSkippingTextInputFormat {
        @Override
        protected int headerLines() {
            return 5;
        }
    }

    public static final class Lines6 extends HeaderSkippingTextInputFormat {
        @Override
        protected int headerLines() {
            return 6;
        }
    }

    public static final class Lines7 extends HeaderSkippingTextInputFormat {
        @Override
        protected int headerLines() {
            return 7;
        }
    }

    public static final class Lines8 extends HeaderSkippingTextInputFormat {
        @Override
        protected int headerLines() {
            return 8;
        }
    }

    public static final class Lines9 extends HeaderSkippingTextInputFormat {
        @Override
        protected int headerLines() {
            return 9;
        }
    }
}
