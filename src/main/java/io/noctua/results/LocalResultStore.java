package io.noctua.results;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static java.util.Objects.requireNonNull;

/**
 * Keeps {@code s3://bucket/key} as the file {@code <root>/bucket/key}: the layout of an S3-compatible
 * server's filesystem backend, so the same directory can later be served over the S3 API. Writes go
 * through a temporary file and a rename, so a reader never sees half a file.
 */
public final class LocalResultStore implements ResultStore {
    private final Path root;

    public LocalResultStore(Path root) {
        this.root = requireNonNull(root, "root is null").toAbsolutePath().normalize();
    }

    @Override
    public void write(S3Location location, byte[] content, String contentType) {
        Path target = pathOf(location);
        try {
            Files.createDirectories(target.getParent());
            Path temporary = Files.createTempFile(target.getParent(), ".noctua-", ".tmp");
            Files.write(temporary, content);
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
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

    @Override
    public String describe() {
        return "local directory " + root;
    }

    public Path pathOf(S3Location location) {
        Path path = root.resolve(location.bucket()).resolve(location.key()).normalize();
        if (!path.startsWith(root.resolve(location.bucket()))) {
            throw new IllegalArgumentException("the key of " + location + " leaves its bucket");
        }
        return path;
    }
}
