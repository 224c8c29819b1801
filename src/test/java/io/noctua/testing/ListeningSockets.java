package io.noctua.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The TCP sockets a process and its descendants listen on, as Linux shows them: each process's
 * open sockets from {@code /proc/PID/fd}, matched by inode to the LISTEN rows of
 * {@code /proc/PID/net/tcp} and {@code tcp6}.
 */
public final class ListeningSockets {
    private ListeningSockets() {
    }

    public record Listener(long pid, String command, InetAddress address, int port) {
        @Override
        public String toString() {
            return address.getHostAddress() + ":" + port + " (pid " + pid + ", " + command + ")";
        }
    }

    public static List<Listener> of(long rootPid) {
        List<Long> pids = new ArrayList<>();
        pids.add(rootPid);
        ProcessHandle.of(rootPid).ifPresent(root -> root.descendants().forEach(p -> pids.add(p.pid())));
        Map<Long, Long> owners = new HashMap<>(); // socket inode -> pid
        for (long pid : pids) {
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
                for (Path fd : fds) {
                    try {
                        String target = Files.readSymbolicLink(fd).toString();
                        if (target.startsWith("socket:[")) {
                            owners.put(Long.parseLong(target.substring(8, target.length() - 1)), pid);
                        }
                    }
                    catch (IOException closed) {
                        // the descriptor closed meanwhile
                    }
                }
            }
            catch (IOException gone) {
                // the process ended meanwhile
            }
        }
        List<Listener> listeners = new ArrayList<>();
        for (String table : List.of("tcp", "tcp6")) {
            Path file = Path.of("/proc", Long.toString(rootPid), "net", table);
            List<String> rows;
            try {
                rows = Files.readAllLines(file);
            }
            catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
            for (String row : rows.subList(1, rows.size())) {
                String[] columns = row.trim().split("\\s+");
                if (!columns[3].equals("0A")) { // TCP_LISTEN
                    continue;
                }
                Long pid = owners.get(Long.parseLong(columns[9]));
                if (pid != null) {
                    String[] local = columns[1].split(":");
                    listeners.add(new Listener(pid, command(pid), address(local[0]), Integer.parseInt(local[1], 16)));
                }
            }
        }
        return listeners;
    }

    /** /proc writes an address as 32-bit words in the machine's byte order (little-endian here). */
    private static InetAddress address(String hex) {
        byte[] bytes = HexFormat.of().parseHex(hex);
        for (int word = 0; word < bytes.length; word += 4) {
            for (int i = 0; i < 2; i++) {
                byte swap = bytes[word + i];
                bytes[word + i] = bytes[word + 3 - i];
                bytes[word + 3 - i] = swap;
            }
        }
        try {
            return InetAddress.getByAddress(bytes);
        }
        catch (UnknownHostException e) {
            throw new IllegalArgumentException(hex, e);
        }
    }

    private static String command(long pid) {
        try (Stream<String> words = Stream.of(Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).split("\0"))) {
            return words.filter(w -> !w.startsWith("-")).skip(0).limit(1).findFirst().orElse("?").replaceAll(".*/", "");
        }
        catch (IOException e) {
            return "?";
        }
    }
}
