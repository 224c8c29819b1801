package io.noctua.testing.fakes;

import io.noctua.results.ResultStore;
import io.noctua.results.S3Location;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Outputs in a map; a test can hold writes ({@link #holdWrites}) to act while a calculation is between its code and its end. */
public final class InMemoryResultStore implements ResultStore {
    private final Map<String, byte[]> objects = new ConcurrentHashMap<>();
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private volatile CountDownLatch writing = new CountDownLatch(1);
    private volatile boolean failing;

    public void holdWrites() {
        gate = new CountDownLatch(1);
        writing = new CountDownLatch(1);
    }

    public void release() {
        gate.countDown();
    }

    public void awaitWriting() throws InterruptedException {
        if (!writing.await(30, TimeUnit.SECONDS)) {
            throw new AssertionError("no output was written within 30 s");
        }
    }

    public void failWrites(boolean fail) {
        failing = fail;
    }

    @Override
    public void write(List<ResultObject> written) {
        writing.countDown();
        try {
            if (!gate.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("a held write was not released within 30 s");
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (failing) {
            throw new IllegalStateException("NoSuchBucket (HTTP 404)");
        }
        for (ResultObject object : written) {
            objects.put(object.location().toString(), object.content());
        }
    }

    @Override
    public byte[] read(S3Location location) {
        byte[] content = objects.get(location.toString());
        if (content == null) {
            throw new IllegalArgumentException("no object at " + location);
        }
        return content;
    }

    @Override
    public void writeFile(S3Location location, Path file, String contentType) {
        try {
            objects.put(location.toString(), Files.readAllBytes(file));
            Files.delete(file);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public InputStream open(S3Location location, long offset) {
        byte[] content = read(location);
        int from = (int) Math.min(offset, content.length);
        return new ByteArrayInputStream(content, from, content.length - from);
    }

    @Override
    public String describe() {
        return "an in-memory result store";
    }
}
