package io.noctua.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/** Processes that tests have Noctua start and then expect to end; read from /proc, so Linux only. */
public final class Processes {
    private Processes() {
    }

    /** The whitespace-separated numbers of {@code text}: the pids a cell printed. */
    public static List<Long> pids(String text) {
        return Arrays.stream(text.strip().split("\\s+")).map(Long::parseLong).toList();
    }

    /** Whether {@code pid} runs nothing any more: gone, or a zombie that is not reaped yet. */
    public static boolean ended(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.ISO_8859_1);
            return stat.substring(stat.lastIndexOf(')') + 1).strip().startsWith("Z");
        }
        catch (IOException e) {
            return true;
        }
    }

    /** Waits until every one of {@code pids} has ended; fails naming the survivors if one is still there after {@code timeout}. */
    public static Duration awaitEnded(Collection<Long> pids, Duration timeout) {
        long begin = System.nanoTime();
        long deadline = begin + timeout.toNanos();
        while (!pids.stream().allMatch(Processes::ended)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("still running " + timeout + " later: "
                        + pids.stream().filter(pid -> !ended(pid)).map(pid -> pid + " " + commandLine(pid)).toList());
            }
            Athena.sleep(50);
        }
        return Duration.ofNanos(System.nanoTime() - begin);
    }

    /** Kills those of {@code pids} whose command line still holds one of {@code fragments}: what a failed test left behind. */
    public static void killLeftovers(Collection<Long> pids, String... fragments) {
        for (long pid : pids) {
            String command = commandLine(pid);
            if (!ended(pid) && Arrays.stream(fragments).anyMatch(command::contains)) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    private static String commandLine(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8).replace('\0', ' ').strip();
        }
        catch (IOException e) {
            return "";
        }
    }
}
