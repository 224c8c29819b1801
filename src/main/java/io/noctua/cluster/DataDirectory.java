package io.noctua.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A server's hold on its data directory: one server at a time (a lock the operating system drops
 * when the process ends, even by {@code kill -9}), and the directory's id, kept in it. Each start of
 * a server is a server of its own, with its own id and lease; a server restarted on the same data
 * directory finds the servers that ran there before by this id and ends what they left live at once,
 * without waiting for their leases to expire: the lock says they are gone.
 */
public final class DataDirectory implements AutoCloseable {
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final String ID_FILE = "data-dir-id";
    private static final String LOCK_FILE = "server.lock";

    private final String id;
    private final FileChannel channel;
    private final FileLock lock;

    private DataDirectory(String id, FileChannel channel, FileLock lock) {
        this.id = id;
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes {@code dataDir} for this server; fails, saying so, while another server holds it. */
    public static DataDirectory claim(Path dataDir) {
        Path lockFile = dataDir.resolve(LOCK_FILE);
        FileChannel channel = null;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            }
            catch (OverlappingFileLockException e) {
                lock = null; // held by another server in this JVM
            }
            if (lock == null) {
                throw new IllegalStateException("another Noctua server runs on the data directory " + dataDir.toAbsolutePath()
                        + " (it holds " + LOCK_FILE + "): stop it, or give this one a data directory of its own (--data-dir)");
            }
            return new DataDirectory(id(dataDir), channel, lock);
        }
        catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot take the data directory " + dataDir + ": " + e.getMessage(), e);
        }
        catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /** The directory's id, made (a random UUID) the first time. */
    public String id() {
        return id;
    }

    private static String id(Path dataDir) throws IOException {
        Path file = dataDir.resolve(ID_FILE);
        if (Files.exists(file)) {
            String id = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (!VALID.matcher(id).matches()) {
                throw new IllegalStateException(file + " does not hold a data directory id (1 to 64 letters, digits, '.', '_' or '-'): "
                        + "remove it to get a new one");
            }
            return id;
        }
        String id = UUID.randomUUID().toString();
        Path written = Files.createTempFile(dataDir, ID_FILE, ".tmp");
        Files.writeString(written, id + "\n", StandardCharsets.UTF_8);
        Files.move(written, file, StandardCopyOption.ATOMIC_MOVE);
        return id;
    }

    @Override
    public void close() {
        try {
            lock.release();
        }
        catch (IOException e) {
            // closing the channel releases it too
        }
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            }
            catch (IOException e) {
                // nothing more to release
            }
        }
    }
}
