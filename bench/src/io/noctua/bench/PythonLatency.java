package io.noctua.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Python calculations: what the API adds to a tiny Python cell, how long a session takes to its
 * first Python result, and how much memory a session's Python worker holds. The server runs as its
 * own process ({@code ./noctua serve}), so that its Python workers are its children and can be found
 * and measured in /proc, and so that {@code --pyspark=true} can give it (and so its workers) a
 * PYTHONPATH holding pyspark.
 *
 * <ol>
 *   <li>{@code print(1)}: (a) directly through the worker protocol, on a {@code python3 -u noctua_worker.py}
 *   this benchmark starts itself (an {@code execute} line written, timed until the {@code done} line is
 *   read); (b) through the API on an IDLE session whose worker is warm: StartCalculationExecution, then
 *   GetCalculationExecutionStatus with a 1 ms sleep between polls until COMPLETED, timed from sending
 *   the start call to reading COMPLETED. Alternating blocks, as in SqlAddedLatency.</li>
 *   <li>Sessions: StartSession until IDLE is seen, then StartCalculationExecution {@code print(1)} until
 *   COMPLETED is seen, both timed from sending StartSession. Whether the cell's worker came from the warm
 *   pool is found from /proc: the worker's pid (asked afterwards by an untimed cell) against the
 *   server's worker processes just before the cell was sent.</li>
 *   <li>Memory: K sessions, one cell {@code x = 1} in each ({@code --pyspark=true}: also
 *   {@code spark.range(1).count()}), then RSS, PSS and private memory of each session's worker and of
 *   the idle warm workers, from /proc.</li>
 * </ol>
 *
 * <p>Options: {@code --n=200}, {@code --warmup=500}, {@code --block=25}, {@code --poll-sleep-ms=1},
 * {@code --sessions=50}, {@code --session-warmup=5}, {@code --settle=true} (before each session, wait
 * until the warm pool is full and its workers idle; false: sessions back to back),
 * {@code --memory-sessions=5}, {@code --cold-starts=5}, {@code --warm-workers=N} (the server's
 * {@code python.warm-workers}; default: the server's default, 2), {@code --python=python3} (the
 * server's {@code python.executable}, also used for the direct worker), {@code --pyspark=true}
 * (PYTHONPATH={@code --pyspark-path} for the server, its workers and the direct worker).
 */
public final class PythonLatency {
    private static final String NAME = "PythonLatency";
    private static final String CELL = "print(1)";
    private static final String PID_CELL = "import os; print(os.getpid())";
    /**
     * With pyspark, the worker calls Spark through Py4J before and after every cell (noctua_worker.py's
     * Spark.begin and Spark.end: the job group, the active session); this cell times those calls in the
     * session's own worker ({@code __main__} is the worker program). Not part of any timed run.
     */
    private static final String BOOKKEEPING_CELL = String.join("\n",
            "import time, __main__ as worker",
            "context, session = worker.SPARK.context, worker.SPARK.session",
            "def each(call, times=200):",
            "    begin = time.perf_counter()",
            "    for _ in range(times):",
            "        call()",
            "    return '%.3f ms' % ((time.perf_counter() - begin) / times * 1000)",
            "print('begin+end', each(lambda: (worker.SPARK.begin('noctua-bench-bookkeeping'), worker.SPARK.end())),",
            "      '| of it: setJobGroup', each(lambda: context.setJobGroup('noctua-bench-bookkeeping', 'd', True)),",
            "      '| the _jvm.SparkSession lookup', each(lambda: session._jvm.SparkSession),",
            "      '| setActiveSession', each(lambda: session._jvm.SparkSession.setActiveSession(session._jsparkSession)),",
            "      '| setLocalProperty', each(lambda: context.setLocalProperty('spark.jobGroup.id', None)))");
    private static final String WORKER_MARK = "noctua_worker.py";
    private static final String DEFAULT_PYSPARK_PATH = "/opt/pyspark-dev/python:/opt/pyspark-dev/py4j-python/src";
    private static final int SERVER_DEFAULT_WARM_WORKERS = 2;
    private static final ObjectMapper JSON = new ObjectMapper();

    private PythonLatency() {
    }

    public static void main(String[] args) {
        int n = Bench.intOption(args, "n", 200);
        int warmup = Bench.intOption(args, "warmup", 500);
        int block = Bench.intOption(args, "block", 25);
        int pollSleep = Bench.intOption(args, "poll-sleep-ms", 1);
        int sessions = Bench.intOption(args, "sessions", 50);
        int sessionWarmup = Bench.intOption(args, "session-warmup", 5);
        boolean settle = Boolean.parseBoolean(Bench.option(args, "settle", "true"));
        int memorySessions = Bench.intOption(args, "memory-sessions", 5);
        int coldStarts = Bench.intOption(args, "cold-starts", 5);
        String warmOption = Bench.option(args, "warm-workers", null);
        int warmWorkers = warmOption == null ? SERVER_DEFAULT_WARM_WORKERS : Integer.parseInt(warmOption);
        String python = Bench.option(args, "python", "python3");
        boolean pyspark = Boolean.parseBoolean(Bench.option(args, "pyspark", "false"));
        String pysparkPath = Bench.option(args, "pyspark-path", DEFAULT_PYSPARK_PATH);

        Bench.printMachine(NAME);
        Map<String, String> environment = pyspark ? Map.of("PYTHONPATH", pysparkPath) : Map.of();
        List<String> serverArguments = new ArrayList<>();
        if (warmOption != null) {
            serverArguments.addAll(List.of("--conf", "python.warm-workers=" + warmWorkers));
        }
        if (!python.equals("python3")) {
            serverArguments.addAll(List.of("--conf", "python.executable=" + python));
        }
        System.out.println("python:");
        System.out.println("  executable   " + python + " -> " + Bench.command("sh", "-c", "command -v " + python).strip()
                + " -> sys.executable " + pythonSays(python, environment, "import sys; print(sys.executable)"));
        System.out.println("  version      " + pythonSays(python, environment, "import sys; print(sys.version.split()[0])"));
        System.out.println("  pyspark      " + pythonSays(python, environment,
                "import importlib.util as u; s = u.find_spec('pyspark'); print('importable from ' + s.origin if s else 'not importable')")
                + (pyspark ? "  (PYTHONPATH=" + pysparkPath + ")" : ""));
        System.out.println();
        System.out.printf("method: (1) print(1): n=%d of each after %d warm-up runs of each, in blocks of %d, order a b b a ...; "
                        + "(a) direct: %s -u noctua_worker.py started by the benchmark, execute line written .. done line read; "
                        + "(b) API: one keep-alive loopback connection (plain socket), StartCalculationExecution .. COMPLETED read, "
                        + "%d ms sleep between status polls%n", n, warmup, block, python, pollSleep);
        System.out.printf("        (2) sessions: n=%d after %d warm-up sessions, %s; StartSession .. IDLE read, then "
                        + "StartCalculationExecution print(1) .. COMPLETED read, %d ms sleep between polls; server python.warm-workers=%d%n",
                sessions, sessionWarmup, settle ? "each started once the warm pool is full and its workers idle (not timed)"
                        : "back to back (no wait for the warm pool)", pollSleep, warmWorkers);
        System.out.printf("        (3) memory: %d sessions, each runs 'x = 1'%s, then /proc/PID/status VmRSS and /proc/PID/smaps_rollup Pss "
                + "of each worker process (children of the server JVM running %s)%n%n", memorySessions,
                pyspark ? " and 'spark.range(1).count()'" : "", WORKER_MARK);

        try (ExternalServer server = ExternalServer.start("", serverArguments, environment); Wire wire = new Wire(server.port)) {
            Path script = server.dataDir.resolve("python").resolve(WORKER_MARK);
            if (!Files.isRegularFile(script)) {
                throw new IllegalStateException("the server did not write its worker program to " + script);
            }
            Api api = new Api(wire, server.dataDir, pollSleep);

            // (1) print(1), direct and through the API
            String sessionId = api.startSession();
            long[] directNanos = new long[n];
            long[] apiNanos = new long[n];
            ApiRuns.ApiRun[] apiRuns = new ApiRuns.ApiRun[n];
            long sessionWorker;
            long directPid;
            ProcessInfo.Memory directMemory;
            String cpuLine;
            String serverThreads;
            try (DirectWorker direct = DirectWorker.start(python, script, environment)) {
                directPid = direct.pid();
                for (int i = 0; i < warmup; i++) {
                    direct.run(CELL);
                    api.run(sessionId, CELL);
                }
                sessionWorker = api.workerPid(sessionId);
                long serverPid = server.jvmPid();
                Map<String, Long> pids = new LinkedHashMap<>();
                pids.put("server JVM", serverPid);
                pids.put("session's worker", sessionWorker);
                pids.put("direct worker", directPid);
                pids.put("this JVM (client)", ProcessHandle.current().pid());
                CpuMeter cpu = CpuMeter.start(pids);
                Map<String, Long> serverThreadsBefore = ProcessInfo.threadTicks(serverPid);
                boolean directFirst = true;
                int done = 0;
                while (done < n) {
                    int count = Math.min(block, n - done);
                    for (int kind = 0; kind < 2; kind++) {
                        boolean runDirect = (kind == 0) == directFirst;
                        for (int i = done; i < done + count; i++) {
                            if (runDirect) {
                                directNanos[i] = direct.run(CELL);
                            }
                            else {
                                apiRuns[i] = api.run(sessionId, CELL);
                                apiNanos[i] = apiRuns[i].totalNanos();
                            }
                        }
                    }
                    directFirst = !directFirst;
                    done += count;
                }
                cpuLine = cpu.stop();
                serverThreads = ProcessInfo.topThreads(serverThreadsBefore, ProcessInfo.threadTicks(serverPid), n, 8);
                directMemory = ProcessInfo.Memory.of(directPid);
            }
            String stdout = api.stdOut(apiRuns[n - 1].calculationId());
            if (!stdout.equals("1\n")) {
                throw new IllegalStateException("print(1) through the API wrote " + JSON.valueToTree(stdout) + " to stdout, not \"1\\n\"");
            }
            String bookkeeping = pyspark ? api.stdOut(api.run(sessionId, BOOKKEEPING_CELL).calculationId()).strip() : null;
            api.terminate(sessionId);

            Stats a = Stats.ofNanos(directNanos);
            Stats b = Stats.ofNanos(apiNanos);
            ApiRuns.Summary parts = ApiRuns.Summary.of(apiRuns);
            Stats startCall = parts.startCall();
            Stats poll = parts.poll();
            Stats polls = parts.polls();
            Stats serverSide = parts.serverSide();
            System.out.println("(1) print(1)");
            System.out.println("(a) direct   execute line .. done line, own worker (pid " + directPid + "):  " + a.describe());
            System.out.println("(b) API      StartCalculationExecution .. COMPLETED seen:        " + b.describe());
            System.out.println("    of (b):  StartCalculationExecution call:                     " + startCall.describe());
            System.out.println("    of (b):  each GetCalculationExecutionStatus call:            " + poll.describe());
            System.out.println("    of (b):  status calls per calculation:                       " + polls.describe().replace(" (ms)", ""));
            System.out.println("    of (b):  server's SubmissionDateTime..CompletionDateTime:    " + serverSide.describe()
                    + "  [millisecond timestamps]");
            System.out.println("    stdout of the last API cell (read from the server's result store): " + JSON.valueToTree(stdout));
            System.out.println("    the session's worker: pid " + sessionWorker + "; the direct worker after the run: " + directMemory.describe());
            if (bookkeeping != null) {
                System.out.println("    the worker's Spark bookkeeping around every cell, timed inside the session's worker afterwards (200 times each): "
                        + bookkeeping);
            }
            System.out.println("during the measured runs, " + cpuLine);
            System.out.println("server JVM CPU per API cell (all its work in the window / n), by thread name: " + serverThreads);
            System.out.println();

            // reference: a worker started cold, as a session's first cell pays when no warm worker is ready
            List<String> interpreters = new ArrayList<>(List.of(python));
            String real = pythonSays(python, environment, "import sys; print(sys.executable)");
            if (!real.isEmpty() && !real.equals(python) && Files.isExecutable(Path.of(real))) {
                interpreters.add(real);
            }
            Map<String, Stats[]> cold = new LinkedHashMap<>();
            for (String interpreter : interpreters) {
                long[] ready = new long[coldStarts];
                long[] firstDone = new long[coldStarts];
                for (int i = 0; i < coldStarts; i++) {
                    long begin = System.nanoTime();
                    try (DirectWorker worker = DirectWorker.start(interpreter, script, environment)) {
                        ready[i] = System.nanoTime() - begin;
                        worker.run(CELL);
                        firstDone[i] = System.nanoTime() - begin;
                    }
                }
                cold.put(interpreter, new Stats[] {Stats.ofNanos(ready), Stats.ofNanos(firstDone)});
                System.out.println("reference, cold worker (" + interpreter + " -u noctua_worker.py), start .. ready line:    "
                        + Stats.ofNanos(ready).describe());
                System.out.println("reference, cold worker (" + interpreter + " -u noctua_worker.py), start .. first done:   "
                        + Stats.ofNanos(firstDone).describe());
            }
            System.out.println();

            // (2) sessions: StartSession .. IDLE .. first Python cell COMPLETED
            long serverPid = server.jvmPid();
            List<SessionRun> sessionRuns = new ArrayList<>();
            CpuMeter cpu = null;
            long measuredBegin = 0;
            for (int i = 0; i < sessionWarmup + sessions; i++) {
                if (i == sessionWarmup) {
                    Map<String, Long> pids = new LinkedHashMap<>();
                    pids.put("server JVM", serverPid);
                    pids.put("this JVM (client)", ProcessHandle.current().pid());
                    cpu = CpuMeter.start(pids,
                            Map.of("server's child processes (Python workers)", (LongSupplier) () -> CpuMeter.childTicks(serverPid)));
                    measuredBegin = System.nanoTime();
                }
                if (settle) {
                    settle(serverPid, warmWorkers);
                }
                SessionRun run = sessionRun(api, serverPid);
                if (i >= sessionWarmup) {
                    sessionRuns.add(run);
                }
            }
            String sessionCpu = cpu == null ? "cpu: no sessions measured" : cpu.stop();
            long measuredMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - measuredBegin);
            Stats toIdle = Stats.ofNanos(sessionRuns.stream().mapToLong(SessionRun::idleNanos).toArray());
            Stats toFirst = Stats.ofNanos(sessionRuns.stream().mapToLong(SessionRun::firstCellNanos).toArray());
            Stats cellOnly = Stats.ofNanos(sessionRuns.stream().mapToLong(r -> r.firstCellNanos() - r.cellSentNanos()).toArray());
            Stats sessionServer = Stats.ofMillis(sessionRuns.stream().mapToDouble(SessionRun::cellServerMillis).toArray());
            long warmHits = sessionRuns.stream().filter(SessionRun::warm).count();
            Stats warmAge = Stats.ofMillis(sessionRuns.stream().filter(SessionRun::warm).mapToDouble(SessionRun::workerAgeMillis).toArray());
            Stats coldCell = Stats.ofNanos(sessionRuns.stream().filter(r -> !r.warm())
                    .mapToLong(r -> r.firstCellNanos() - r.cellSentNanos()).toArray());
            Stats warmCell = Stats.ofNanos(sessionRuns.stream().filter(SessionRun::warm)
                    .mapToLong(r -> r.firstCellNanos() - r.cellSentNanos()).toArray());
            System.out.println("(2) sessions (" + (settle ? "warm pool refilled and idle before each" : "back to back") + ")");
            System.out.println("StartSession .. IDLE seen:                                    " + toIdle.describe());
            System.out.println("StartSession .. first Python cell print(1) COMPLETED seen:    " + toFirst.describe());
            System.out.println("  of it: StartCalculationExecution sent .. COMPLETED seen:    " + cellOnly.describe());
            System.out.println("  of it: server's SubmissionDateTime..CompletionDateTime:     " + sessionServer.describe()
                    + "  [millisecond timestamps]");
            System.out.printf("  the cell's worker was in the warm pool before the cell was sent: %d of %d sessions%n", warmHits,
                    sessionRuns.size());
            if (warmHits > 0) {
                System.out.println("    those cells, sent .. COMPLETED:                           " + warmCell.describe());
                System.out.println("    age of their worker process when the cell was sent:       " + warmAge.describe());
            }
            if (warmHits < sessionRuns.size()) {
                System.out.println("    cells whose worker was started for them, sent .. COMPLETED: " + coldCell.describe());
            }
            System.out.printf("during the measured sessions (%d ms, settling included), %s%n%n", measuredMillis, sessionCpu);

            // (3) memory of the workers
            settle(serverPid, warmWorkers);
            ProcessInfo.Memory serverBefore = ProcessInfo.Memory.of(serverPid);
            long threadsBefore = ProcessInfo.threads(serverPid);
            Map<String, Integer> threadNamesBefore = ProcessInfo.threadNames(serverPid);
            List<String> memoryIds = new ArrayList<>();
            List<Long> sessionPids = new ArrayList<>();
            for (int i = 0; i < memorySessions; i++) {
                String id = api.startSession();
                memoryIds.add(id);
                api.runChecked(id, "x = 1");
                if (pyspark) {
                    api.runChecked(id, "spark.range(1).count()");
                }
                sessionPids.add(api.workerPid(id));
            }
            settle(serverPid, warmWorkers + memorySessions);
            List<ProcessInfo.Memory> sessionMemory = new ArrayList<>();
            for (long pid : sessionPids) {
                sessionMemory.add(ProcessInfo.Memory.of(pid));
            }
            List<ProcessInfo.Memory> poolMemory = new ArrayList<>();
            for (long pid : ProcessInfo.childrenRunning(serverPid, WORKER_MARK)) {
                if (!sessionPids.contains(pid)) {
                    poolMemory.add(ProcessInfo.Memory.of(pid));
                }
            }
            ProcessInfo.Memory serverAfter = ProcessInfo.Memory.of(serverPid);
            long threadsAfter = ProcessInfo.threads(serverPid);
            Map<String, Integer> threadNamesAfter = ProcessInfo.threadNames(serverPid);
            for (String id : memoryIds) {
                api.terminate(id);
            }
            System.out.println("(3) memory, " + memorySessions + " sessions after 'x = 1'" + (pyspark ? " and 'spark.range(1).count()'" : ""));
            for (ProcessInfo.Memory memory : sessionMemory) {
                System.out.println("  session worker  " + memory.describe());
            }
            for (ProcessInfo.Memory memory : poolMemory) {
                System.out.println("  idle warm worker " + memory.describe());
            }
            System.out.printf("  server JVM, before the sessions -> with them: RSS %s -> %s (heap, GC-dependent), threads %d -> %d: %s%n%n",
                    ProcessInfo.mib(serverBefore.rssKib()), ProcessInfo.mib(serverAfter.rssKib()), threadsBefore, threadsAfter,
                    ProcessInfo.threadNameChanges(threadNamesBefore, threadNamesAfter));

            double added = b.median() - a.median();
            String mode = pyspark ? " [pyspark]" : "";
            Bench.result(NAME, "print(1) (a) direct worker p50/p90/p99 ms" + mode, triple(a));
            Bench.result(NAME, "print(1) (b) API p50/p90/p99 ms" + mode, triple(b));
            Bench.result(NAME, "print(1) added latency (b - a) p50 ms" + mode, Stats.ms(added));
            Bench.result(NAME, "StartSession..IDLE p50/p90/p99 ms" + mode, triple(toIdle) + String.format("  (target p50 <= 100 ms: %s)",
                    toIdle.median() <= 100 ? "met" : "NOT met"));
            Bench.result(NAME, "StartSession..first cell COMPLETED p50/p90/p99 ms" + mode, triple(toFirst));
            Bench.result(NAME, "first cell found a warm worker" + mode, warmHits + " of " + sessionRuns.size()
                    + " (python.warm-workers=" + warmWorkers + (settle ? ", pool refilled between sessions)" : ", sessions back to back)"));
            Bench.result(NAME, "cold worker start..ready p50 ms" + mode, Stats.ms(cold.get(python)[0].median()) + " (" + python + ")");
            Bench.result(NAME, "session worker RSS median/max MiB" + mode, mibPair(sessionMemory, ProcessInfo.Memory::rssKib));
            Bench.result(NAME, "session worker PSS median/max MiB" + mode, mibPair(sessionMemory, ProcessInfo.Memory::pssKib));
            Bench.result(NAME, "idle warm worker RSS median/max MiB" + mode, mibPair(poolMemory, ProcessInfo.Memory::rssKib));
        }
        System.exit(0);
    }

    private static String triple(Stats stats) {
        return Stats.ms(stats.median()) + " / " + Stats.ms(stats.percentile(90)) + " / " + Stats.ms(stats.percentile(99));
    }

    private static String mibPair(List<ProcessInfo.Memory> memories, java.util.function.ToLongFunction<ProcessInfo.Memory> field) {
        if (memories.isEmpty()) {
            return "n/a";
        }
        List<Long> values = new ArrayList<>(memories.stream().map(field::applyAsLong).toList());
        Collections.sort(values);
        long median = values.get((values.size() - 1) / 2); // the lower middle value, as Stats does
        long max = values.get(values.size() - 1);
        return String.format("%.1f / %.1f (n=%d)", median / 1024.0, max / 1024.0, values.size());
    }

    /** What a one-line Python program prints, run with the given environment; "" if it fails. */
    private static String pythonSays(String python, Map<String, String> environment, String program) {
        try {
            ProcessBuilder builder = new ProcessBuilder(python, "-c", program).redirectErrorStream(true);
            builder.environment().putAll(environment);
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return process.waitFor() == 0 ? output : "";
        }
        catch (IOException e) {
            return "";
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /**
     * Waits (untimed) until the server has exactly {@code expected} worker processes, each running
     * Python (not a launcher script), and none of them used CPU over the last 100 ms: the warm pool is full and its workers have finished starting
     * (with pyspark, importing it). Gives up after 30 s with a note.
     */
    private static void settle(long serverPid, int expected) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            List<Long> workers = ProcessInfo.childrenRunning(serverPid, WORKER_MARK);
            // a worker started through a launcher script (pyenv's shim) is bash until it execs Python;
            // while bash waits for the launcher's helpers, its own CPU time stands still
            boolean allPython = workers.stream().allMatch(pid -> Path.of(ProcessInfo.executable(pid)).getFileName().toString().startsWith("python"));
            if (workers.size() == expected && allPython) {
                long before = 0;
                for (long pid : workers) {
                    before += CpuMeter.processTicks(pid);
                }
                Bench.sleepMillis(100);
                long after = 0;
                for (long pid : workers) {
                    after += CpuMeter.processTicks(pid);
                }
                if (after == before && new HashSet<>(ProcessInfo.childrenRunning(serverPid, WORKER_MARK)).equals(new HashSet<>(workers))) {
                    return;
                }
            }
            else {
                Bench.sleepMillis(10);
            }
        }
        System.out.println("note: the server's Python workers did not settle at " + expected + " idle processes within 30 s: "
                + ProcessInfo.childrenRunning(serverPid, WORKER_MARK));
    }

    record SessionRun(long idleNanos, long cellSentNanos, long firstCellNanos, double cellServerMillis, boolean warm,
                      double workerAgeMillis) {
    }

    /** One session: StartSession .. IDLE .. print(1) COMPLETED (timed), then which worker ran it (untimed), then TerminateSession. */
    private static SessionRun sessionRun(Api api, long serverPid) {
        Set<Long> workersBefore = new HashSet<>(ProcessInfo.childrenRunning(serverPid, WORKER_MARK));
        long begin = System.nanoTime();
        String sessionId = api.wire.call("StartSession", ApiRuns.START_SESSION).get("SessionId").asText();
        String request = "{\"SessionId\":" + Wire.quote(sessionId) + "}";
        long idle;
        while (true) {
            JsonNode status = api.wire.call("GetSessionStatus", request).get("Status");
            long seen = System.nanoTime();
            String state = status.get("State").asText();
            if (state.equals("IDLE")) {
                idle = seen - begin;
                break;
            }
            if (state.equals("FAILED") || state.equals("TERMINATED") || seen - begin > 120_000_000_000L) {
                throw new IllegalStateException("session " + sessionId + " did not become IDLE: " + status);
            }
            Bench.sleepMillis(api.pollSleepMillis);
        }
        long cellSent = System.nanoTime();
        ApiRuns.ApiRun cell = api.run(sessionId, CELL);
        long firstCell = cellSent - begin + cell.totalNanos();
        long sinceCellSent = System.nanoTime() - cellSent;
        long pid = api.workerPid(sessionId);
        double age = ProcessInfo.ageMillis(pid) - sinceCellSent / 1e6;
        api.terminate(sessionId);
        return new SessionRun(idle, cellSent - begin, firstCell, cell.serverMillis(), workersBefore.contains(pid), age);
    }

    /** The API calls the benchmark makes, on one keep-alive connection. */
    private static final class Api {
        final Wire wire;
        final Path dataDir;
        final int pollSleepMillis;

        Api(Wire wire, Path dataDir, int pollSleepMillis) {
            this.wire = wire;
            this.dataDir = dataDir;
            this.pollSleepMillis = pollSleepMillis;
        }

        String startSession() {
            return ApiRuns.startSession(wire);
        }

        void terminate(String sessionId) {
            String state = wire.call("TerminateSession", "{\"SessionId\":" + Wire.quote(sessionId) + "}").get("State").asText();
            if (!state.equals("TERMINATED")) {
                throw new IllegalStateException("session " + sessionId + " is " + state + " after TerminateSession");
            }
        }

        /** StartCalculationExecution, then status polls until COMPLETED; timed from sending the start call. */
        ApiRuns.ApiRun run(String sessionId, String code) {
            return ApiRuns.run(wire, sessionId, code, pollSleepMillis,
                    calculationId -> "; code " + JSON.valueToTree(code) + "; its stderr: " + output(calculationId, "StdErrorS3Uri"));
        }

        void runChecked(String sessionId, String code) {
            run(sessionId, code);
        }

        /** The pid of the session's Python worker, which a cell of its own prints (not timed). */
        long workerPid(String sessionId) {
            return Long.parseLong(stdOut(run(sessionId, PID_CELL).calculationId()).strip());
        }

        String stdOut(String calculationId) {
            return output(calculationId, "StdOutS3Uri");
        }

        /** One of a calculation's outputs, read from the server's local result store ({@code <data-dir>/s3/bucket/key}). */
        String output(String calculationId, String field) {
            JsonNode result = wire.call("GetCalculationExecution", "{\"CalculationExecutionId\":" + Wire.quote(calculationId) + "}")
                    .path("Result");
            String uri = result.path(field).asText("");
            if (!uri.startsWith("s3://")) {
                return "(no " + field + ")";
            }
            try {
                return Files.readString(dataDir.resolve("s3").resolve(uri.substring("s3://".length())), StandardCharsets.UTF_8);
            }
            catch (IOException e) {
                throw new UncheckedIOException("cannot read " + uri + " from the server's result store", e);
            }
        }
    }

    /** A worker this benchmark starts and talks to itself, as the server does: JSON lines over its stdin and stdout. */
    private static final class DirectWorker implements AutoCloseable {
        private final Process process;
        private final BufferedWriter requests;
        private final BufferedReader answers;

        private DirectWorker(Process process) {
            this.process = process;
            this.requests = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
            this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        /** Starts {@code python -u script} and waits for its ready line. */
        static DirectWorker start(String python, Path script, Map<String, String> environment) {
            ProcessBuilder builder = new ProcessBuilder(python, "-u", script.toString()).redirectError(ProcessBuilder.Redirect.DISCARD);
            builder.environment().putAll(environment);
            try {
                DirectWorker worker = new DirectWorker(builder.start());
                String ready = worker.answers.readLine();
                if (ready == null || !"ready".equals(JSON.readTree(ready).path("type").asText())) {
                    worker.close();
                    throw new IllegalStateException("the worker did not say it was ready: " + ready);
                }
                return worker;
            }
            catch (IOException e) {
                throw new UncheckedIOException("cannot start " + python + " -u " + script, e);
            }
        }

        long pid() {
            return process.pid();
        }

        /** One execute request, timed from writing it to reading its done line. */
        long run(String code) {
            String request = "{\"type\":\"execute\",\"id\":\"x\",\"code\":" + Wire.quote(code) + "}\n";
            try {
                long begin = System.nanoTime();
                requests.write(request);
                requests.flush();
                String line;
                while ((line = answers.readLine()) != null) {
                    if (line.contains("\"done\"")) {
                        long end = System.nanoTime();
                        JsonNode done = JSON.readTree(line);
                        if (!"ok".equals(done.path("status").asText()) || !"1\n".equals(done.path("stdout").asText())) {
                            throw new IllegalStateException("unexpected answer from the worker: " + line);
                        }
                        return end - begin;
                    }
                }
                throw new IllegalStateException("the worker ended without answering");
            }
            catch (IOException e) {
                throw new UncheckedIOException("the worker's pipes broke", e);
            }
        }

        @Override
        public void close() {
            try {
                requests.close();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
            catch (IOException e) {
                process.destroyForcibly();
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
