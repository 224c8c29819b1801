package io.noctua.engine;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.BlockLocation;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileChecksum;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.hadoop.fs.FsStatus;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.PathFilter;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.impl.OpenFileParameters;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code s3://bucket/key} (and {@code s3a://}, {@code s3n://}) as the file {@code <root>/bucket/key}:
 * how Spark reads and writes the embedded S3 store's objects. The embedded store (s3proxy's
 * filesystem backend) keeps each object as exactly that file, so what Spark writes here is what S3
 * clients read there, and the other way round, without an HTTP round trip per file operation.
 * Going through S3A instead is correct but slow on that backend: it lists every directory as a key,
 * so S3A deletes a folder before its files and waits about 10 s on each such delete.
 * <p>
 * Paths keep their {@code s3://} form everywhere Spark sees them (statuses, listings, table
 * locations); only this class knows the local directory. An operation it does not translate reaches
 * the local file system with an {@code s3://} path and fails with Hadoop's "Wrong FS" error.
 */
public final class EmbeddedS3FileSystem extends FilterFileSystem {
    /** The Hadoop setting naming the directory that holds the buckets. */
    public static final String ROOT = "noctua.embedded-s3.root";

    private static final String OWNER = System.getProperty("user.name", "noctua");

    private URI uri;
    private String root;
    private Path workingDirectory;

    public EmbeddedS3FileSystem() {
        super(new RawLocalFileSystem());
    }

    /** The Spark properties that route {@code s3://}, {@code s3a://} and {@code s3n://} paths to the files under {@code root}. */
    public static Map<String, String> sparkProperties(java.nio.file.Path root) {
        Map<String, String> properties = new LinkedHashMap<>();
        for (String scheme : new String[] {"s3", "s3a", "s3n"}) {
            properties.put("spark.hadoop.fs." + scheme + ".impl", EmbeddedS3FileSystem.class.getName());
        }
        properties.put("spark.hadoop." + ROOT, root.toAbsolutePath().normalize().toString());
        return properties;
    }

    @Override
    public void initialize(URI name, Configuration conf) throws IOException {
        String configured = conf.get(ROOT);
        if (configured == null || configured.isBlank()) {
            throw new IOException(ROOT + " is not set: the embedded S3 store's directory is unknown");
        }
        if (name.getAuthority() == null || name.getAuthority().isEmpty()) {
            throw new IOException("no bucket in " + name + ": write " + name.getScheme() + "://bucket/key");
        }
        this.uri = URI.create(name.getScheme() + "://" + name.getAuthority());
        this.root = new File(configured).getAbsoluteFile().toURI().getPath().replaceAll("/+$", "");
        this.workingDirectory = new Path(uri.toString() + "/");
        fs.initialize(URI.create("file:///"), conf);
        setConf(conf);
    }

    @Override
    public URI getUri() {
        return uri;
    }

    @Override
    public String getScheme() {
        return uri.getScheme();
    }

    @Override
    public Path getWorkingDirectory() {
        return workingDirectory;
    }

    @Override
    public void setWorkingDirectory(Path directory) {
        workingDirectory = makeQualified(directory);
    }

    @Override
    public Path getHomeDirectory() {
        return workingDirectory;
    }

    @Override
    protected Path getInitialWorkingDirectory() {
        return workingDirectory;
    }

    @Override
    public Path makeQualified(Path path) {
        checkPath(path);
        return path.makeQualified(uri, workingDirectory);
    }

    @Override
    protected void checkPath(Path path) {
        URI given = path.toUri();
        if (given.getScheme() != null && !(given.getScheme().equalsIgnoreCase(uri.getScheme())
                && uri.getAuthority().equalsIgnoreCase(given.getAuthority()))) {
            throw new IllegalArgumentException("Wrong FS: " + path + ", expected: " + uri);
        }
    }

    /** The local file behind {@code path}, refusing keys that would leave the bucket's directory. */
    private Path local(Path path) {
        Path qualified = makeQualified(path);
        String bucketDirectory = root + "/" + uri.getAuthority();
        Path file = new Path("file", null, bucketDirectory + qualified.toUri().getPath());
        String filePath = file.toUri().getPath();
        if (!filePath.equals(bucketDirectory) && !filePath.startsWith(bucketDirectory + "/")) {
            throw new IllegalArgumentException("the key of " + path + " leaves its bucket");
        }
        return file;
    }

    private Path s3(Path local) {
        String bucketDirectory = root + "/" + uri.getAuthority();
        String localPath = local.toUri().getPath();
        if (!localPath.startsWith(bucketDirectory)) {
            throw new IllegalStateException(local + " is outside " + bucketDirectory);
        }
        String key = localPath.substring(bucketDirectory.length());
        return new Path(uri.getScheme(), uri.getAuthority(), key.isEmpty() ? "/" : key);
    }

    /**
     * A plain status with the {@code s3://} path. The local file system's own status reads owner and
     * permissions lazily from its (local) path, by running {@code ls}; objects have neither, so the
     * defaults stand in.
     */
    private FileStatus s3(FileStatus local) {
        return new FileStatus(local.getLen(), local.isDirectory(), 1, local.getBlockSize(), local.getModificationTime(),
                local.getAccessTime(), local.isDirectory() ? FsPermission.getDirDefault() : FsPermission.getFileDefault(),
                OWNER, OWNER, s3(local.getPath()));
    }

    private FileStatus[] s3(FileStatus[] statuses) {
        FileStatus[] converted = new FileStatus[statuses.length];
        for (int i = 0; i < statuses.length; i++) {
            converted[i] = s3(statuses[i]);
        }
        return converted;
    }

    @Override
    public Path resolvePath(Path path) throws IOException {
        return s3(fs.resolvePath(local(path)));
    }

    @Override
    public FileStatus getFileStatus(Path path) throws IOException {
        return s3(fs.getFileStatus(local(path)));
    }

    @Override
    public FileStatus[] listStatus(Path path) throws IOException {
        return s3(fs.listStatus(local(path)));
    }

    @Override
    public RemoteIterator<FileStatus> listStatusIterator(Path path) throws IOException {
        return iterator(List.of(listStatus(path)));
    }

    @Override
    public RemoteIterator<LocatedFileStatus> listLocatedStatus(Path path) throws IOException {
        return listLocatedStatus(path, candidate -> true);
    }

    @Override
    protected RemoteIterator<LocatedFileStatus> listLocatedStatus(Path path, PathFilter filter) throws IOException {
        List<LocatedFileStatus> located = new ArrayList<>();
        for (FileStatus status : listStatus(path)) {
            if (filter.accept(status.getPath())) {
                located.add(new LocatedFileStatus(status, status.isFile() ? getFileBlockLocations(status, 0, status.getLen()) : null));
            }
        }
        return iterator(located);
    }

    private static <T> RemoteIterator<T> iterator(List<T> items) {
        return new RemoteIterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < items.size();
            }

            @Override
            public T next() {
                if (next >= items.size()) {
                    throw new java.util.NoSuchElementException();
                }
                return items.get(next++);
            }
        };
    }

    /** One block on this machine, as for any local file. */
    @Override
    public BlockLocation[] getFileBlockLocations(FileStatus file, long start, long length) {
        if (file == null || start < 0 || length < 0 || file.getLen() < start) {
            return file == null ? null : new BlockLocation[0];
        }
        return new BlockLocation[] {new BlockLocation(new String[] {"localhost:9866"}, new String[] {"localhost"}, 0, file.getLen())};
    }

    @Override
    public FSDataInputStream open(Path path, int bufferSize) throws IOException {
        return fs.open(local(path), bufferSize);
    }

    @Override
    protected CompletableFuture<FSDataInputStream> openFileWithOptions(Path path, OpenFileParameters parameters) throws IOException {
        return CompletableFuture.completedFuture(open(path, parameters.getBufferSize()));
    }

    @Override
    public FSDataOutputStream create(Path path, FsPermission permission, boolean overwrite, int bufferSize, short replication,
                                     long blockSize, Progressable progress) throws IOException {
        return fs.create(local(path), permission, overwrite, bufferSize, replication, blockSize, progress);
    }

    @Override
    public FSDataOutputStream createNonRecursive(Path path, FsPermission permission, EnumSet<CreateFlag> flags, int bufferSize,
                                                 short replication, long blockSize, Progressable progress) throws IOException {
        return fs.createNonRecursive(local(path), permission, flags, bufferSize, replication, blockSize, progress);
    }

    @Override
    public FSDataOutputStream append(Path path, int bufferSize, Progressable progress) throws IOException {
        return fs.append(local(path), bufferSize, progress);
    }

    @Override
    public boolean rename(Path source, Path target) throws IOException {
        return fs.rename(local(source), local(target));
    }

    @Override
    public boolean delete(Path path, boolean recursive) throws IOException {
        return fs.delete(local(path), recursive);
    }

    @Override
    public boolean mkdirs(Path path, FsPermission permission) throws IOException {
        return fs.mkdirs(local(path), permission);
    }

    @Override
    public boolean mkdirs(Path path) throws IOException {
        return fs.mkdirs(local(path));
    }

    @Override
    public void setPermission(Path path, FsPermission permission) throws IOException {
        fs.setPermission(local(path), permission);
    }

    @Override
    public void setOwner(Path path, String user, String group) throws IOException {
        fs.setOwner(local(path), user, group);
    }

    @Override
    public void setTimes(Path path, long modified, long accessed) throws IOException {
        fs.setTimes(local(path), modified, accessed);
    }

    @Override
    public boolean setReplication(Path path, short replication) {
        return true;
    }

    @Override
    public FileChecksum getFileChecksum(Path path) {
        return null;
    }

    @Override
    public FileChecksum getFileChecksum(Path path, long length) {
        return null;
    }

    @Override
    public FsStatus getStatus(Path path) throws IOException {
        return fs.getStatus(local(path));
    }

    @Override
    public long getDefaultBlockSize(Path path) {
        return fs.getDefaultBlockSize();
    }

    @Override
    public short getDefaultReplication(Path path) {
        return 1;
    }

    @Override
    public boolean hasPathCapability(Path path, String capability) throws IOException {
        return fs.hasPathCapability(local(path), capability);
    }
}
