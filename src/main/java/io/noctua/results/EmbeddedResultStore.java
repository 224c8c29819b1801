package io.noctua.results;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * The embedded store's outputs, written as its filesystem backend keeps them: {@code s3://bucket/key}
 * is the file {@code <root>/bucket/key}, which s3proxy serves at once. Spark reaches the same files
 * the same way (EmbeddedS3FileSystem). Three PutObject calls through s3proxy added about 23 ms to
 * every calculation on 2 cores (docs/performance.md); writing the files takes well under 1 ms.
 * A file is written in place: outputs are written once, before the calculation's final state is
 * published, so no client looks for them while they are written.
 */
public final class EmbeddedResultStore implements ResultStore {
    private final Path root;
    private final String description;

    /** {@code endpoint}, where s3proxy serves {@code root}, names the store in messages. */
    public EmbeddedResultStore(Path root, String endpoint) {
        this.root = requireNonNull(root, "root is null").toAbsolutePath().normalize();
        this.description = "S3 at " + requireNonNull(endpoint, "endpoint is null") + " (embedded, files under " + this.root + ")";
    }

    @Override
    public void write(List<ResultObject> objects) {
        for (ResultObject object : objects) {
            write(object.location(), object.content());
        }
    }

    private void write(S3Location location, byte[] content) {
        Path target = pathOf(location);
        try {
            try {
                Files.write(target, content);
            }
            catch (NoSuchFileException e) {
                Files.createDirectories(target.getParent());
                Files.write(target, content);
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot write " + location + " to " + target, e);
        }
    }

    @Override
    public byte[] read(S3Location location) {
        try {
            return Files.readAllBytes(pathOf(location));
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot read " + location, e);
        }
    }

    /** Moved into place: one rename where the file already lies on the store's file system, a copy and a rename otherwise. */
    @Override
    public void writeFile(S3Location location, Path file, String contentType) {
        Path target = pathOf(location);
        try {
            Files.createDirectories(target.getParent());
            Path partial = target.resolveSibling("." + target.getFileName() + ".partial-" + UUID.randomUUID());
            try {
                Files.move(file, partial);
            }
            catch (IOException e) {
                Files.copy(file, partial, StandardCopyOption.REPLACE_EXISTING);
                Files.deleteIfExists(file);
            }
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot write " + location + " to " + target, e);
        }
    }

    @Override
    public InputStream open(S3Location location, long offset) {
        try {
            SeekableByteChannel channel = Files.newByteChannel(pathOf(location));
            channel.position(offset);
            return Channels.newInputStream(channel);
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot read " + location, e);
        }
    }

    @Override
    public String describe() {
        return description;
    }

    private Path pathOf(S3Location location) {
        Path path = root.resolve(location.bucket()).resolve(location.key()).normalize();
        if (!path.startsWith(root.resolve(location.bucket()))) {
            throw new IllegalArgumentException("the key of " + location + " leaves its bucket");
        }
        return path;
    }
}
