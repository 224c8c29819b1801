package io.noctua.query;

import io.noctua.engine.QueryEngine.ResultColumn;
import io.noctua.engine.QueryEngine.RowSink;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Query results as Athena writes them: DML results as CSV (a header line of the column names, then
 * one line per row, every value in double quotes, a NULL as an empty unquoted field, so that NULL
 * and the empty string stay apart), DDL and utility results as text (a row's values joined by tabs,
 * one line per row). Both are read back a page at a time from a byte offset, so that paging through
 * a million rows never holds them in memory.
 */
final class ResultFiles {
    private ResultFiles() {
    }

    /** Writes a result to a local file, row by row, as the engine hands the rows over. */
    static final class Writer implements RowSink, AutoCloseable {
        private final Path file;
        private final boolean csv;
        private final OutputStream out;
        private List<ResultColumn> columns = List.of();

        Writer(Path directory, boolean csv) {
            this.csv = csv;
            try {
                Files.createDirectories(directory);
                this.file = Files.createTempFile(directory, "result-", csv ? ".csv" : ".txt");
                this.out = new BufferedOutputStream(Files.newOutputStream(file), 64 * 1024);
            }
            catch (IOException e) {
                throw new UncheckedIOException("cannot write a query result under " + directory, e);
            }
        }

        @Override
        public void columns(List<ResultColumn> resultColumns) {
            this.columns = List.copyOf(resultColumns);
            if (csv && !columns.isEmpty()) {
                String[] names = new String[columns.size()];
                for (int i = 0; i < names.length; i++) {
                    names[i] = columns.get(i).name();
                }
                row(names);
            }
        }

        @Override
        public void row(String[] values) {
            try {
                for (int i = 0; i < values.length; i++) {
                    if (i > 0) {
                        out.write(csv ? ',' : '\t');
                    }
                    String value = values[i];
                    if (!csv) {
                        out.write((value == null ? "" : value).getBytes(StandardCharsets.UTF_8));
                    }
                    else if (value != null) {
                        out.write('"');
                        out.write(value.replace("\"", "\"\"").getBytes(StandardCharsets.UTF_8));
                        out.write('"');
                    }
                }
                out.write('\n');
            }
            catch (IOException e) {
                throw new UncheckedIOException("cannot write a query result to " + file, e);
            }
        }

        List<ResultColumn> resultColumns() {
            return columns;
        }

        /** Finishes the file and hands it over. */
        Path finish() {
            close();
            return file;
        }

        @Override
        public void close() {
            try {
                out.close();
            }
            catch (IOException e) {
                throw new UncheckedIOException("cannot write a query result to " + file, e);
            }
        }

        void discard() {
            close();
            try {
                Files.deleteIfExists(file);
            }
            catch (IOException ignored) {
                // a temporary file: what is left is removed with the directory's next clean-up
            }
        }
    }

    /** Rows read from an offset, and the offset after the last of them (-1 at the end of the file). */
    record Page(List<String[]> rows, long nextOffset) {
    }

    /** Reads up to {@code maxRows} rows from {@code in}, which starts at byte {@code offset} of the result. */
    static Page read(InputStream in, long offset, int maxRows, boolean csv) throws IOException {
        Reader reader = new Reader(in, offset);
        List<String[]> rows = new ArrayList<>(Math.min(maxRows, 1024));
        while (rows.size() < maxRows) {
            String[] row = csv ? reader.csvRecord() : reader.textLine();
            if (row == null) {
                return new Page(rows, -1);
            }
            rows.add(row);
        }
        return new Page(rows, reader.atEnd() ? -1 : reader.offset);
    }

    /**
     * Reads bytes, counting them: the separators are ASCII, and no byte of a multi-byte UTF-8
     * character is, so records split at bytes and decode whole.
     */
    private static final class Reader {
        private final InputStream in;
        private final byte[] buffer = new byte[64 * 1024];
        private int position;
        private int limit;
        long offset;

        Reader(InputStream in, long offset) {
            this.in = in;
            this.offset = offset;
        }

        private int peek() throws IOException {
            if (position == limit) {
                limit = in.readNBytes(buffer, 0, buffer.length);
                position = 0;
                if (limit <= 0) {
                    limit = 0;
                    return -1;
                }
            }
            return buffer[position] & 0xff;
        }

        private int next() throws IOException {
            int b = peek();
            if (b >= 0) {
                position++;
                offset++;
            }
            return b;
        }

        boolean atEnd() throws IOException {
            return peek() < 0;
        }

        String[] csvRecord() throws IOException {
            int b = next();
            if (b < 0) {
                return null;
            }
            List<String> fields = new ArrayList<>();
            ByteArrayOutputStream field = new ByteArrayOutputStream();
            boolean quoted = false;
            boolean inQuotes = false;
            while (true) {
                if (inQuotes) {
                    if (b < 0) {
                        break; // a cut file: what was read is the last field
                    }
                    if (b == '"') {
                        if (peek() == '"') {
                            next();
                            field.write('"');
                        }
                        else {
                            inQuotes = false;
                        }
                    }
                    else {
                        field.write(b);
                    }
                }
                else if (b == '"' && field.size() == 0 && !quoted) {
                    inQuotes = true;
                    quoted = true;
                }
                else if (b == ',') {
                    fields.add(value(field, quoted));
                    field.reset();
                    quoted = false;
                }
                else if (b == '\n' || b < 0) {
                    break;
                }
                else if (b != '\r') {
                    field.write(b);
                }
                b = next();
            }
            fields.add(value(field, quoted));
            return fields.toArray(String[]::new);
        }

        private static String value(ByteArrayOutputStream field, boolean quoted) {
            return !quoted && field.size() == 0 ? null : field.toString(StandardCharsets.UTF_8);
        }

        String[] textLine() throws IOException {
            int b = next();
            if (b < 0) {
                return null;
            }
            List<String> fields = new ArrayList<>();
            ByteArrayOutputStream field = new ByteArrayOutputStream();
            while (b >= 0 && b != '\n') {
                if (b == '\t') {
                    fields.add(field.toString(StandardCharsets.UTF_8));
                    field.reset();
                }
                else {
                    field.write(b);
                }
                b = next();
            }
            fields.add(field.toString(StandardCharsets.UTF_8));
            return fields.toArray(String[]::new);
        }
    }
}
