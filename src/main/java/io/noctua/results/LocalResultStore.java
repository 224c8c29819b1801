package io.noctua.results;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import static java.util.Objects.requireNonNull;

/**
 * Keeps {@code s3://bucket/key} as the file {@code <root>/bucket/key}: the layout of an S3-compatible
 * server's filesystem backend, so the same directory can later be served over the S3 API. A file is
 * written in place: calculation outputs are written once, before the calculation's final state is
 * published, so no client looks for them while they are written (a temporary file and a rename
 * cost 1-3 ms per calculation here).
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
