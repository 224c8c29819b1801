package io.noctua.engine.python;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * A process and everything it started, found and ended together: its descendants, the other members
 * of the process group it leads, and every process that still carries the marker {@link #mark} put
 * in its environment. The three overlap on purpose: a daemon that left the group stays a descendant
 * while the Python worker (a child subreaper) lives; once the worker is dead, what it adopted has
 * gone to init and only the group or the marker find it. On Linux all of this is read from /proc;
 * elsewhere only the descendants are known.
 */
final class ProcessTree {
    static final String MARKER_VARIABLE = "NOCTUA_WORKER";
    private static final Path PROC = Path.of("/proc");
    private static final int MAX_ROUNDS = 50;

    private final ProcessHandle root;
    private final long group;
    private final byte[] marker;

    private ProcessTree(ProcessHandle root, long group, byte[] marker) {
        this.root = requireNonNull(root, "root is null");
        this.group = group;
        this.marker = marker;
    }

    /** Gives the process {@code builder} starts a marker of its own, which its descendants inherit; pass it to {@link #of}. */
    static String mark(ProcessBuilder builder) {
        String token = UUID.randomUUID().toString();
        builder.environment().put(MARKER_VARIABLE, token);
        return token;
    }

    /**
     * The tree of {@code root}, which must already be running as it will: its process group is read
     * now, and is swept only if {@code root} leads it (a group it shares with this JVM is never
     * swept). {@code marker} is what {@link #mark} returned, or null.
     */
    static ProcessTree of(ProcessHandle root, String marker) {
        long own = stat(ProcessHandle.current().pid()).map(Stat::group).orElse(-1L);
        long group = stat(root.pid()).map(Stat::group).filter(led -> led == root.pid() && led != own).orElse(-1L);
        return new ProcessTree(root, group, marker == null ? null : (MARKER_VARIABLE + "=" + marker).getBytes(StandardCharsets.UTF_8));
    }

    long group() {
        return group;
    }

    /**
     * The live processes of the tree, the root left out. Once the root is gone its pid may be another
     * process's: its children are then not the root's, and its group is the root's only while no
     * process has that pid (Linux does not reuse a pid that is still some process's group id).
     */
    Set<Long> members() {
        boolean rootAlive = root.isAlive(); // a zombie too; ProcessHandle compares start times, so never a newcomer with its pid
        if (!Files.isReadable(PROC.resolve("self/stat"))) {
            return rootAlive ? root.descendants().map(ProcessHandle::pid).collect(Collectors.toSet()) : new HashSet<>();
        }
        boolean groupIsOurs = group > 0 && (rootAlive || stat(root.pid()).isEmpty());
        List<Stat> table = processTable();
        Map<Long, List<Long>> children = new HashMap<>();
        for (Stat stat : table) {
            children.computeIfAbsent(stat.parent(), parent -> new ArrayList<>()).add(stat.pid());
        }
        Set<Long> found = new HashSet<>();
        List<Long> pending = new ArrayList<>(rootAlive ? List.of(root.pid()) : List.of());
        while (!pending.isEmpty()) {
            for (long child : children.getOrDefault(pending.remove(pending.size() - 1), List.of())) {
                if (found.add(child)) {
                    pending.add(child);
                }
            }
        }
        for (Stat stat : table) {
            if ((groupIsOurs && stat.group() == group) || (marker != null && carriesMarker(stat.pid()))) {
                found.add(stat.pid());
            }
        }
        found.remove(root.pid());
        found.remove(ProcessHandle.current().pid());
        return found;
    }

    /**
     * Ends the whole tree with SIGKILL, the root last: while it lives, the orphans of a process killed
     * here are reparented to it and stay findable. In rounds, because a process can start another
     * between the look and the kill.
     */
    void kill() {
        Set<Long> killed = new HashSet<>();
        boolean rootKilled = false;
        for (int round = 0; round < MAX_ROUNDS; round++) {
            Set<Long> fresh = members();
            fresh.removeAll(killed);
            if (fresh.isEmpty()) {
                if (rootKilled) {
                    return;
                }
                root.destroyForcibly();
                rootKilled = true;
                continue; // what the root started just before it died is now outside its tree: the group and marker still find it
            }
            for (long pid : fresh) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            killed.addAll(fresh);
        }
        root.destroyForcibly();
    }

    private boolean carriesMarker(long pid) {
        byte[] environment;
        try {
            environment = Files.readAllBytes(PROC.resolve(Long.toString(pid)).resolve("environ"));
        }
        catch (IOException | SecurityException e) {
            return false; // ended meanwhile, or another user's: not started by the worker's cells either way
        }
        int start = 0;
        for (int i = 0; i <= environment.length; i++) {
            if (i == environment.length || environment[i] == 0) {
                if (i - start == marker.length && Arrays.equals(environment, start, i, marker, 0, marker.length)) {
                    return true;
                }
                start = i + 1;
            }
        }
        return false;
    }

    /** One line of /proc/PID/stat: the fields this class needs. */
    record Stat(long pid, char state, long parent, long group) {
        /** Parses {@code 42 (some (name)) S 1 42 42 ...}: the command name may hold spaces and parentheses, so the fields follow the last ')'. */
        static Optional<Stat> parse(String line) {
            int open = line.indexOf(" (");
            int close = line.lastIndexOf(')');
            if (open < 0 || close < open) {
                return Optional.empty();
            }
            String[] fields = line.substring(close + 1).trim().split("\\s+");
            if (fields.length < 3 || fields[0].length() != 1) {
                return Optional.empty();
            }
            try {
                return Optional.of(new Stat(Long.parseLong(line.substring(0, open).trim()), fields[0].charAt(0),
                        Long.parseLong(fields[1]), Long.parseLong(fields[2])));
            }
            catch (NumberFormatException e) {
                return Optional.empty();
            }
        }

        /** A zombie (or a process being torn down) is dead already: it runs nothing and cannot be killed again. */
        boolean dead() {
            return state == 'Z' || state == 'X' || state == 'x';
        }
    }

    static Optional<Stat> stat(long pid) {
        try {
            return Stat.parse(Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.ISO_8859_1));
        }
        catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** The live processes of this machine (of this PID namespace). */
    private static List<Stat> processTable() {
        List<Stat> table = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC, entry -> isNumber(entry.getFileName().toString()))) {
            for (Path entry : entries) {
                stat(Long.parseLong(entry.getFileName().toString())).filter(stat -> !stat.dead()).ifPresent(table::add);
            }
        }
        catch (IOException e) {
            // no /proc: nothing found here; the descendants are asked for where it matters
        }
        return table;
    }

    private static boolean isNumber(String name) {
        return !name.isEmpty() && name.chars().allMatch(Character::isDigit);
    }
}
