package io.noctua.engine;

import io.noctua.testing.TestingServer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code s3://bucket/key} as the file {@code root/bucket/key}, with {@code s3://} paths in everything Hadoop hands back. */
class EmbeddedS3FileSystemTest {
    private final java.nio.file.Path root = TestingServer.temporaryDirectory("noctua-embedded-fs-");

    private FileSystem fileSystem(String uri) throws IOException {
        Configuration conf = new Configuration(false);
        conf.set("fs.s3.impl", EmbeddedS3FileSystem.class.getName());
        conf.set("fs.s3.impl.disable.cache", "true");
        conf.set(EmbeddedS3FileSystem.ROOT, root.toString());
        return FileSystem.get(URI.create(uri), conf);
    }

    @Test
    void objectsAreTheFilesOfTheStoresDirectoryAndKeepTheirS3Paths() throws IOException {
        FileSystem fs = fileSystem("s3://lake/");
        try (var out = fs.create(new Path("s3://lake/events/_temporary/0/part-0"))) {
            out.write("a,b\n".getBytes(StandardCharsets.UTF_8));
        }
        assertTrue(fs.rename(new Path("s3://lake/events/_temporary/0/part-0"), new Path("s3://lake/events/part-0")));
        assertTrue(fs.delete(new Path("s3://lake/events/_temporary"), true));

        assertEquals("a,b\n", Files.readString(root.resolve("lake/events/part-0")));
        FileStatus[] listed = fs.listStatus(new Path("s3://lake/events"));
        assertEquals(List.of("s3://lake/events/part-0"), Arrays.stream(listed).map(status -> status.getPath().toString()).toList());
        assertEquals(4, fs.getFileStatus(new Path("s3://lake/events/part-0")).getLen());
        assertEquals("s3://lake/events", fs.makeQualified(new Path("events")).toString());
        assertTrue(fs.listLocatedStatus(new Path("s3://lake/events")).next().getPath().toString().startsWith("s3://lake/"));
        assertFalse(fs.exists(new Path("s3://lake/events/_temporary")));
    }

    @Test
    void pathsOutsideTheBucketAreRefused() throws IOException {
        FileSystem fs = fileSystem("s3://lake/");
        assertThrows(IllegalArgumentException.class, () -> fs.getFileStatus(new Path("s3://other-bucket/key")));
        assertThrows(IllegalArgumentException.class, () -> fs.open(new Path("file:///etc/passwd")));
    }
}
