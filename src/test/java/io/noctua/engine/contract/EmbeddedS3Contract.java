package io.noctua.engine.contract;

import io.noctua.engine.EmbeddedS3FileSystem;
import io.noctua.testing.TestingServer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.contract.AbstractFSContract;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;

/**
 * Hadoop's file-system contract for {@link EmbeddedS3FileSystem}: a bucket of its own in a fresh
 * store directory per suite, with the behaviours the file system promises declared in
 * {@code contract/embedded-s3.xml} (Hadoop's suites test each declared option and skip what is
 * declared unsupported).
 */
public final class EmbeddedS3Contract extends AbstractFSContract {
    static final String BUCKET = "contract-bucket";

    private FileSystem fileSystem;

    public EmbeddedS3Contract(Configuration conf) {
        super(conf);
        addConfResource("contract/embedded-s3.xml");
    }

    @Override
    public void init() throws IOException {
        super.init();
        java.nio.file.Path root = TestingServer.temporaryDirectory("noctua-contract-");
        Files.createDirectories(root.resolve(BUCKET));
        Configuration conf = getConf();
        conf.set("fs.s3.impl", EmbeddedS3FileSystem.class.getName());
        conf.setBoolean("fs.s3.impl.disable.cache", true);
        conf.set(EmbeddedS3FileSystem.ROOT, root.toString());
        fileSystem = FileSystem.get(URI.create("s3://" + BUCKET + "/"), conf);
    }

    @Override
    public FileSystem getTestFileSystem() {
        return fileSystem;
    }

    @Override
    public String getScheme() {
        return "s3";
    }

    @Override
    public Path getTestPath() {
        return new Path("s3://" + BUCKET + "/test");
    }
}
