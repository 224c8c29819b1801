package io.noctua.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What /proc says about a process: its children, command line, age and memory. Linux only. */
final class ProcessInfo {
    private ProcessInfo() {
    }

    /** The pids of the live processes whose parent is {@code parentPid}. */
    static List<Long> children(long parentPid) {
        List<Long> children = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                long pid = Long.parseLong(proc.getFileName().toString());
                String[] fields = CpuMeter.statFields(pid);
                // fields[0] is field 3 (state), fields[1] field 4 (ppid); a zombie has ended already
                if (fields != null && Long.parseLong(fields[1]) == parentPid && !fields[0].equals("Z")) {
                    children.add(pid);
                }
            }
        }
        catch (IOException | RuntimeException e) {
            // /proc unreadable: no children known
        }
        return children;
    }

    /** The live children of {@code parentPid} whose command line contains {@code marker}. */
    static List<Long> childrenRunning(long parentPid, String marker) {
        List<Long> matching = new ArrayList<>();
        for (long child : children(parentPid)) {
            if (commandLine(child).contains(marker)) {
                matching.add(child);
            }
        }
        return matching;
    }

    /** The command line with spaces between arguments, or "" if the process is gone. */
    static String commandLine(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').strip();
        }
        catch (IOException e) {
            return "";
        }
    }

    /** How long ago the process started, in milliseconds (10 ms resolution: clock ticks); -1 if it is gone. */
    static double ageMillis(long pid) {
        String[] fields = CpuMeter.statFields(pid);
        if (fields == null) {
            return -1;
        }
        double startSeconds = Long.parseLong(fields[19]) / CpuMeter.ticksPerSecond(); // field 22, starttime
        double uptimeSeconds = Double.parseDouble(Bench.read("/proc/uptime").strip().split("\\s+")[0]);
        return (uptimeSeconds - startSeconds) * 1000;
    }

    /** A "Name: value kB" line of /proc/PID/status (VmRSS, VmHWM) or smaps_rollup (Pss, Private_Dirty) in KiB; -1 if absent. */
    static long kib(long pid, String file, String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/" + file))) {
                if (line.startsWith(name + ":")) {
                    return Long.parseLong(line.substring(name.length() + 1).replace("kB", "").strip());
                }
            }
        }
        catch (IOException | RuntimeException e) {
            // gone, or the kernel has no such file
        }
        return -1;
    }

    /** The memory of one process: resident (RSS), proportional (PSS: shared pages divided among their users), private. */
    record Memory(long pid, long rssKib, long pssKib, long privateKib, long peakRssKib) {
        static Memory of(long pid) {
            long privateClean = kib(pid, "smaps_rollup", "Private_Clean");
            long privateDirty = kib(pid, "smaps_rollup", "Private_Dirty");
            return new Memory(pid, kib(pid, "status", "VmRSS"), kib(pid, "smaps_rollup", "Pss"),
                    privateClean < 0 || privateDirty < 0 ? -1 : privateClean + privateDirty, kib(pid, "status", "VmHWM"));
        }

        String describe() {
            return String.format("pid %d: RSS %s, PSS %s, private %s, peak RSS %s", pid, mib(rssKib), mib(pssKib), mib(privateKib),
                    mib(peakRssKib));
        }
    }

    static String mib(long kib) {
        return kib < 0 ? "n/a" : String.format("%.1f MiB", kib / 1024.0);
    }

    /** Thread count of a process, from /proc/PID/status; -1 if it is gone. */
    static long threads(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("Threads:")) {
                    return Long.parseLong(line.substring("Threads:".length()).strip());
                }
            }
        }
        catch (IOException | RuntimeException e) {
            // gone
        }
        return -1;
    }

    /** The executable a process runs (/proc/PID/exe), or "" if it is gone; a script shows its interpreter (bash). */
    static String executable(long pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/" + pid + "/exe")).toString();
        }
        catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /**
     * CPU clock ticks so far of the process's threads, summed by thread name with trailing digits removed
     * ("http-12" and "http-3" are both "http-"): which kind of thread the time went to. Threads that
     * ended are not counted.
     */
    static Map<String, Long> threadTicks(long pid) {
        Map<String, Long> ticks = new TreeMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+$", "");
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
                    ticks.merge(name, Long.parseLong(fields[11]) + Long.parseLong(fields[12]), Long::sum);
                }
                catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        }
        catch (IOException | RuntimeException e) {
            // the process is gone
        }
        return ticks;
    }

    /** "name 12.3 ms, ..." per call, for the thread groups that used the most CPU between two {@link #threadTicks} readings. */
    static String topThreads(Map<String, Long> before, Map<String, Long> after, int calls, int top) {
        List<Map.Entry<String, Long>> deltas = new ArrayList<>();
        after.forEach((name, ticks) -> deltas.add(Map.entry(name, ticks - before.getOrDefault(name, 0L))));
        deltas.sort((x, y) -> Long.compare(y.getValue(), x.getValue()));
        StringBuilder line = new StringBuilder();
        double total = 0;
        for (Map.Entry<String, Long> delta : deltas) {
            total += delta.getValue();
        }
        double msPerTick = 1000.0 / CpuMeter.ticksPerSecond();
        line.append(String.format("%.2f ms in all", total * msPerTick / calls));
        for (int i = 0; i < Math.min(top, deltas.size()) && deltas.get(i).getValue() > 0; i++) {
            line.append(String.format(", %s %.2f ms", deltas.get(i).getKey(), deltas.get(i).getValue() * msPerTick / calls));
        }
        return line.toString();
    }

    /** How many threads of each name (trailing digits removed) the process has. */
    static Map<String, Integer> threadNames(long pid) {
        Map<String, Integer> names = new TreeMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks) {
                try {
                    names.merge(Files.readString(task.resolve("comm")).strip().replaceAll("[0-9]+$", ""), 1, Integer::sum);
                }
                catch (IOException e) {
                    // the thread ended meanwhile
                }
            }
        }
        catch (IOException | RuntimeException e) {
            // the process is gone
        }
        return names;
    }

    /** "+3 Thread-, +1 python-worker-s, ..." for the thread names whose count changed. */
    static String threadNameChanges(Map<String, Integer> before, Map<String, Integer> after) {
        Map<String, Integer> changes = new TreeMap<>();
        after.forEach((name, count) -> changes.put(name, count - before.getOrDefault(name, 0)));
        before.forEach((name, count) -> changes.putIfAbsent(name, -count));
        List<String> parts = new ArrayList<>();
        changes.entrySet().stream().filter(e -> e.getValue() != 0).sorted((x, y) -> Integer.compare(Math.abs(y.getValue()), Math.abs(x.getValue())))
                .forEach(e -> parts.add(String.format("%+d '%s'", e.getValue(), e.getKey())));
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }
}
