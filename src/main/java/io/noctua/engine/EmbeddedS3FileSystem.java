package io.noctua.engine;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.BlockLocation;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FsStatus;
import org.apache.hadoop.fs.ParentNotDirectoryException;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code s3://bucket/key} (and {@code s3a://}, {@code s3n://}) as the file {@code <root>/bucket/key}:
 * how Spark reads and writes the embedded S3 store's objects. The embedded store (s3proxy's
 * filesystem backend) keeps each object as exactly that file, so what Spark writes here is what S3
 * clients read there, and the other way round, without an HTTP round trip per file operation.
 * Going through S3A instead is correct but slow on that backend: it lists every directory as a key,
 * so S3A deletes a folder before its files and waits about 10 s on each such delete.
 * <p>
 * This is a {@link FileSystem} of its own, not a filter over the local one: it implements Hadoop's
 * primitive operations on the translated paths and leaves everything else ({@code openFile},
 * {@code createFile}, globbing, located listings, content summaries...) to {@link FileSystem}'s own
 * implementations, which are written in terms of those primitives. So no operation, present or
 * added by a later Hadoop, can reach the local file system with an {@code s3://} path. Paths keep
 * their {@code s3://} form everywhere Spark sees them; only this class knows the local directory.
 */
public final class EmbeddedS3FileSystem extends FileSystem {
    /** The Hadoop setting naming the directory that holds the buckets. */
    public static final String ROOT = "noctua.embedded-s3.root";

    private static final String OWNER = System.getProperty("user.name", "noctua");

    private final RawLocalFileSystem local = new RawLocalFileSystem();
    private URI uri;
    private String bucketDirectory;
    private Path workingDirectory;

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
        super.initialize(name, conf);
        String configured = conf.get(ROOT);
        if (configured == null || configured.isBlank()) {
            throw new IOException(ROOT + " is not set: the embedded S3 store's directory is unknown");
        }
        if (name.getAuthority() == null || name.getAuthority().isEmpty()) {
            throw new IOException("no bucket in " + name + ": write " + name.getScheme() + "://bucket/key");
        }
        this.uri = URI.create(name.getScheme() + "://" + name.getAuthority());
        String root = new File(configured).getAbsoluteFile().toURI().getPath().replaceAll("/+$", "");
        this.bucketDirectory = root + "/" + name.getAuthority();
        this.workingDirectory = new Path(uri.toString() + "/");
        local.initialize(URI.create("file:///"), conf);
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
        Path file = new Path("file", null, bucketDirectory + qualified.toUri().getPath());
        String filePath = file.toUri().getPath();
        if (!filePath.equals(bucketDirectory) && !filePath.startsWith(bucketDirectory + "/")) {
            throw new IllegalArgumentException("the key of " + path + " leaves its bucket");
        }
        return file;
    }

    private Path s3(Path local) {
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

    @Override
    public FileStatus getFileStatus(Path path) throws IOException {
        return s3(local.getFileStatus(local(path)));
    }

    @Override
    public FileStatus[] listStatus(Path path) throws IOException {
        FileStatus[] statuses = local.listStatus(local(path));
        FileStatus[] converted = new FileStatus[statuses.length];
        for (int i = 0; i < statuses.length; i++) {
            converted[i] = s3(statuses[i]);
        }
        return converted;
    }

    /** One block on this machine, as for any local file. */
    @Override
    public BlockLocation[] getFileBlockLocations(FileStatus file, long start, long length) {
        if (file == null) {
            return null;
        }
        if (start < 0 || length < 0 || file.getLen() < start) {
            return new BlockLocation[0];
        }
        return new BlockLocation[] {new BlockLocation(new String[] {"localhost:9866"}, new String[] {"localhost"}, 0, file.getLen())};
    }

    @Override
    public FSDataInputStream open(Path path, int bufferSize) throws IOException {
        return local.open(local(path), bufferSize);
    }

    @Override
    public FSDataOutputStream create(Path path, FsPermission permission, boolean overwrite, int bufferSize, short replication,
                                     long blockSize, Progressable progress) throws IOException {
        if (isDirectory(path)) {
            throw new FileAlreadyExistsException(path + " is a folder: an object cannot be written over it");
        }
        return local.create(local(path), permission, overwrite, bufferSize, replication, blockSize, progress);
    }

    @Override
    public FSDataOutputStream createNonRecursive(Path path, FsPermission permission, EnumSet<CreateFlag> flags, int bufferSize,
                                                 short replication, long blockSize, Progressable progress) throws IOException {
        Path parent = path.getParent();
        if (parent != null) {
            FileStatus status;
            try {
                status = getFileStatus(parent);
            }
            catch (FileNotFoundException e) {
                throw new FileNotFoundException("the parent of " + path + " does not exist");
            }
            if (!status.isDirectory()) {
                throw new ParentNotDirectoryException("the parent of " + path + " is an object, not a directory");
            }
        }
        if (!flags.contains(CreateFlag.OVERWRITE) && exists(path)) {
            throw new FileAlreadyExistsException(path + " already exists");
        }
        return create(path, permission, flags.contains(CreateFlag.OVERWRITE), bufferSize, replication, blockSize, progress);
    }

    @Override
    public FSDataOutputStream append(Path path, int bufferSize, Progressable progress) throws IOException {
        return local.append(local(path), bufferSize, progress);
    }

    /**
     * S3's rename semantics, as S3A gives them: a missing source or an existing object at the target
     * is a {@code false}, never an overwrite; a folder moved onto an empty folder takes its place, and
     * otherwise a folder target receives the source under its own name;
     * the folders the target needs are made, as a key needs none.
     */
    @Override
    public boolean rename(Path source, Path target) throws IOException {
        Path from = local(source);
        Path to = local(target);
        if (!local.exists(from) || from.equals(to)) {
            return local.exists(from) && local.getFileStatus(from).isFile();
        }
        if (local.exists(to)) {
            FileStatus existing = local.getFileStatus(to);
            if (existing.isFile()) {
                return false;
            }
            if (local.getFileStatus(from).isDirectory() && local.listStatus(to).length == 0) {
                local.delete(to, false);
            }
            else {
                Path into = new Path(to, from.getName());
                if (local.exists(into)) {
                    return false;
                }
                to = into;
            }
        }
        else if (to.getParent() != null && !local.exists(to.getParent())) {
            local.mkdirs(to.getParent());
        }
        if (isAncestor(from, to)) {
            return false;
        }
        return local.rename(from, to);
    }

    private static boolean isAncestor(Path ancestor, Path path) {
        String a = ancestor.toUri().getPath();
        String p = path.toUri().getPath();
        return p.startsWith(a.endsWith("/") ? a : a + "/");
    }

    /** Deleting the bucket's root deletes its keys; the bucket itself stays, as on S3. */
    @Override
    public boolean delete(Path path, boolean recursive) throws IOException {
        Path file = local(path);
        if (!file.toUri().getPath().equals(bucketDirectory)) {
            return local.delete(file, recursive);
        }
        FileStatus[] children = local.listStatus(file);
        if (children.length == 0) {
            return true;
        }
        if (!recursive) {
            throw new org.apache.hadoop.fs.PathIsNotEmptyDirectoryException(path.toString());
        }
        for (FileStatus child : children) {
            local.delete(child.getPath(), true);
        }
        return true;
    }

    @Override
    public boolean hasPathCapability(Path path, String capability) throws IOException {
        if (org.apache.hadoop.fs.CommonPathCapabilities.FS_APPEND.equalsIgnoreCase(capability)) {
            return true;
        }
        return super.hasPathCapability(path, capability);
    }

    @Override
    public boolean mkdirs(Path path, FsPermission permission) throws IOException {
        return local.mkdirs(local(path), permission);
    }

    @Override
    public void setTimes(Path path, long modified, long accessed) throws IOException {
        local.setTimes(local(path), modified, accessed);
    }

    @Override
    public boolean setReplication(Path path, short replication) throws IOException {
        getFileStatus(path);
        return true;
    }

    @Override
    public FsStatus getStatus(Path path) throws IOException {
        return local.getStatus(local(path == null ? workingDirectory : path));
    }

    @Override
    public long getDefaultBlockSize(Path path) {
        return local.getDefaultBlockSize(new Path("file:///"));
    }

    @Override
    public short getDefaultReplication(Path path) {
        return 1;
    }

    /** A delegation-token-free file system: nothing to name for Kerberos or Spark's token manager. */
    @Override
    public String getCanonicalServiceName() {
        return null;
    }

    @Override
    public void close() throws IOException {
        try {
            local.close();
        }
        finally {
            super.close();
        }
    }
}
