package io.noctua.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * Shell scripts that stand in for {@code python3} (the executable named fake-python in one
 * directory), and the pids they record in that directory's file {@code pids}: how the Python worker
 * tests make an interpreter that hangs or starts slowly, and then check that nothing it started is left.
 */
public final class FakePython {
    /**
     * A "python" that never becomes ready: it writes its pid and that of a child it starts to the pid
     * file, says so on stderr, and waits. The pool's question for the interpreter's path ({@code -c})
     * gets no usable answer, so the pool starts this script as the worker.
     */
    public static final String HANGS = """
            [ "$1" = -c ] && exit 1
            echo $$ >> "%1$s"
            sleep 600 &
            echo $! >> "%1$s"
            echo "fake python: hanging" >&2
            wait
            """;

    private final Path dir;

    public FakePython(Path dir) {
        this.dir = dir;
    }

    /** Writes the executable script with {@code body}, in which {@code %1$s} is the pid file and {@code %2$s}... are {@code more}. */
    public Path script(String body, Object... more) {
        Object[] arguments = new Object[more.length + 1];
        arguments[0] = dir.resolve("pids");
        System.arraycopy(more, 0, arguments, 1, more.length);
        Path script = dir.resolve("fake-python");
        try {
            Files.writeString(script, "#!/bin/sh\n" + body.formatted(arguments));
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return script;
    }

    /** The pids the scripts wrote, in order. */
    public List<Long> pids() {
        Path file = dir.resolve("pids");
        try {
            String text = Files.exists(file) ? Files.readString(file) : "";
            return text.isBlank() ? List.of() : Processes.pids(text);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
