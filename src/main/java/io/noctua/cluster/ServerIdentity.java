package io.noctua.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A server's id, kept in its data directory: a restarted server is the same server, so at its start
 * it ends what its previous run left live at once, without waiting for its old lease to expire.
 */
public final class ServerIdentity {
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final String FILE = "server-id";

    private ServerIdentity() {
    }

    /** The id recorded in {@code dataDir}, made (a random UUID) the first time. */
    public static String of(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        try {
            if (Files.exists(file)) {
                String id = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (!VALID.matcher(id).matches()) {
                    throw new IllegalStateException(file + " does not hold a server id (1 to 64 letters, digits, '.', '_' or '-'): "
                            + "remove it to get a new one");
                }
                return id;
            }
            String id = UUID.randomUUID().toString();
            Path written = Files.createTempFile(dataDir, FILE, ".tmp");
            Files.writeString(written, id + "\n", StandardCharsets.UTF_8);
            Files.move(written, file, StandardCopyOption.ATOMIC_MOVE);
            return id;
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot read or write the server id in " + file, e);
        }
    }
}
