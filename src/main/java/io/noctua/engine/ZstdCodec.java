package io.noctua.engine;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionInputStream;
import org.apache.hadoop.io.compress.CompressionOutputStream;
import org.apache.hadoop.io.compress.Compressor;
import org.apache.hadoop.io.compress.Decompressor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Zstandard for text files ({@code .zst}) on zstd-jni, which Spark ships: Hadoop's own
 * {@code ZStandardCodec} needs Hadoop's native library, which Spark's Hadoop client does not bring, so
 * reading {@code data.csv.zst} failed with "native zStandard library not available". Registered
 * through {@code io.compression.codecs}, after Hadoop's codecs, so that {@code .zst} files are read
 * with this one. Streams only: a file is one split, as for gzip.
 */
public final class ZstdCodec implements CompressionCodec {
    @Override
    public CompressionOutputStream createOutputStream(OutputStream out) throws IOException {
        ZstdOutputStream zstd = new ZstdOutputStream(out);
        return new CompressionOutputStream(zstd) {
            @Override
            public void write(int b) throws IOException {
                zstd.write(b);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                zstd.write(bytes, offset, length);
            }

            @Override
            public void finish() throws IOException {
                zstd.flush();
            }

            @Override
            public void resetState() {
            }
        };
    }

    @Override
    public CompressionOutputStream createOutputStream(OutputStream out, Compressor compressor) throws IOException {
        return createOutputStream(out);
    }

    @Override
    public Class<? extends Compressor> getCompressorType() {
        return null;
    }

    @Override
    public Compressor createCompressor() {
        return null;
    }

    @Override
    public CompressionInputStream createInputStream(InputStream in) throws IOException {
        ZstdInputStream zstd = new ZstdInputStream(in);
        return new CompressionInputStream(zstd) {
            @Override
            public int read() throws IOException {
                return zstd.read();
            }

            @Override
            public int read(byte[] bytes, int offset, int length) throws IOException {
                return zstd.read(bytes, offset, length);
            }

            @Override
            public void resetState() {
            }
        };
    }

    @Override
    public CompressionInputStream createInputStream(InputStream in, Decompressor decompressor) throws IOException {
        return createInputStream(in);
    }

    @Override
    public Class<? extends Decompressor> getDecompressorType() {
        return null;
    }

    @Override
    public Decompressor createDecompressor() {
        return null;
    }

    @Override
    public String getDefaultExtension() {
        return ".zst";
    }
}
