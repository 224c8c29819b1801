package io.noctua.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * CPU time over a measurement window, from /proc: the whole machine's busy time (all cores) and
 * the time of named processes. What the machine spent beyond the named processes was spent by
 * others (this machine is shared), which is how the benchmarks show how quiet the window was.
 */
final class CpuMeter {
    private static final double TICKS_PER_SECOND = readTicksPerSecond();

    /** Stands for the child processes of this JVM that ended during the window. */
    static final long REAPED_CHILDREN = -1;

    private final Map<String, LongSupplier> sources;
    private final long startNanos;
    private final long[] machineStart;
    private final Map<String, Long> processStart = new LinkedHashMap<>();

    private CpuMeter(Map<String, LongSupplier> sources) {
        this.sources = sources;
        this.machineStart = machineTicks();
        for (Map.Entry<String, LongSupplier> entry : sources.entrySet()) {
            processStart.put(entry.getKey(), entry.getValue().getAsLong());
        }
        this.startNanos = System.nanoTime();
    }

    /** Starts a window over these processes (label to pid). */
    static CpuMeter start(Map<String, Long> pids) {
        return start(pids, Map.of());
    }

    /**
     * Starts a window over these processes (label to pid) and these groups of processes (label to a
     * source of their clock ticks so far, such as {@link #childTicks}).
     */
    static CpuMeter start(Map<String, Long> pids, Map<String, LongSupplier> groups) {
        Map<String, LongSupplier> sources = new LinkedHashMap<>();
        pids.forEach((label, pid) -> sources.put(label, () -> processTicks(pid)));
        sources.putAll(groups);
        return new CpuMeter(sources);
    }

    /**
     * The clock ticks of all child processes of {@code parentPid}, ended or alive: the parent's
     * cutime + cstime (children that ended and were waited for) plus utime + stime of each live child.
     * Children that start and end within a window are counted too, as long as the parent waits for them
     * (Java's {@code Process} does).
     */
    static long childTicks(long parentPid) {
        long ticks = 0;
        String[] own = statFields(parentPid);
        if (own != null) {
            ticks += Long.parseLong(own[13]) + Long.parseLong(own[14]);
        }
        for (long child : ProcessInfo.children(parentPid)) {
            ticks += processTicks(child);
        }
        return ticks;
    }

    /**
     * Ends the window: "machine 187% of 200% | server 120% | wrk 45% | others 22%", each as a share
     * of one core (100% is one core busy for the whole window).
     */
    String stop() {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        long[] machineEnd = machineTicks();
        double machineBusy = (machineEnd[0] - machineStart[0]) / TICKS_PER_SECOND / seconds * 100;
        int cores = Runtime.getRuntime().availableProcessors();
        StringBuilder line = new StringBuilder(String.format("cpu: machine %.0f%% of %d%%", machineBusy, cores * 100));
        double named = 0;
        for (Map.Entry<String, LongSupplier> entry : sources.entrySet()) {
            long end = entry.getValue().getAsLong();
            double share = (end - processStart.get(entry.getKey())) / TICKS_PER_SECOND / seconds * 100;
            named += share;
            line.append(String.format(" | %s %.0f%%", entry.getKey(), share));
        }
        line.append(String.format(" | others %.0f%%", Math.max(0, machineBusy - named)));
        return line.toString();
    }

    /** {busy ticks, total ticks} of all cores, from the first line of /proc/stat. */
    private static long[] machineTicks() {
        try {
            String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] fields = first.trim().split("\\s+");
            long total = 0;
            long idle = 0;
            for (int i = 1; i < fields.length && i <= 8; i++) { // user nice system idle iowait irq softirq steal
                long value = Long.parseLong(fields[i]);
                total += value;
                if (i == 4 || i == 5) {
                    idle += value;
                }
            }
            return new long[] {total - idle, total};
        }
        catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    /**
     * utime + stime of a process; for {@link #REAPED_CHILDREN}, the cutime + cstime of this JVM: the
     * time of its child processes that have exited and been waited for (a finished wrk run).
     */
    static long processTicks(long pid) {
        try {
            boolean children = pid == REAPED_CHILDREN;
            String[] fields = statFields(children ? ProcessHandle.current().pid() : pid);
            if (fields == null) {
                return 0;
            }
            // fields[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17
            return children ? Long.parseLong(fields[13]) + Long.parseLong(fields[14])
                    : Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        }
        catch (RuntimeException e) {
            return 0;
        }
    }

    /** The fields of /proc/PID/stat after the command name, starting with field 3 (state); null if the process is gone. */
    static String[] statFields(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        }
        catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static double ticksPerSecond() {
        return TICKS_PER_SECOND;
    }

    private static double readTicksPerSecond() {
        try {
            return Double.parseDouble(Bench.command("getconf", "CLK_TCK").strip());
        }
        catch (RuntimeException e) {
            return 100;
        }
    }
}
