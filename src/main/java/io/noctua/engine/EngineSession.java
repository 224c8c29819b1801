package io.noctua.engine;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.noctua.engine.hive.RemoteCatalogs;
import io.noctua.engine.python.PySparkGateway;
import io.noctua.engine.python.PySparkSessions;
import io.noctua.engine.python.PythonOutcome;
import io.noctua.engine.python.PythonWorker;
import io.noctua.engine.python.PythonWorkerException;
import io.noctua.engine.python.PythonWorkers;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalog.Table;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Logger;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/** One Athena session's own SparkSession, and how calculations run on it. */
public final class EngineSession implements CalculationEngine {
    private static final Logger LOG = Logger.getLogger(EngineSession.class.getName());
    /** Athena's {@code %%sql} shows results as {@code .show()} does: 20 rows, columns cut at 20 characters. */
    private static final int SHOW_ROWS = 20;
    private static final int SHOW_TRUNCATE = 20;
    private static final String STOPPED_WHILE_STARTING = "The calculation was stopped while its Python worker was starting";
    private static final String STOPPED_BEFORE_CELL = "The calculation was stopped before its Python cell started";
    private static final String SESSION_ENDED_WHILE_STARTING = "The session ended while its Python worker was starting";

    private final String sessionId;
    private final SparkSession spark;
    private final JobGroupTracker jobGroups;
    private final FairPools pools;
    private final SparkJobHistory.Sink jobHistory;
    private final PythonWorkers pythonWorkers;
    private final Supplier<PySparkGateway> gateway;
    private final List<String> pyFiles; // spark.submit.pyFiles: s3:// or s3a:// URIs, or absolute paths
    private final Path filesDir; // where the session's copies of pyFiles go; removed when the session ends
    private final Supplier<RemoteCatalogs> remoteCatalogs;
    private RemoteCatalogs appliedCatalogs; // what remoteCatalogs gave when the session's catalogs were last brought up to date
    private List<String> pythonPath; // the local copies of pyFiles, as sys.path entries, once fetched (under this object's lock)
    // The Python state, under this object's lock, which is never held while a worker starts or a cell
    // runs: a stop (from the calculation timer, shared by every calculation) must not wait for either.
    private PythonWorker python;
    private String pythonRunning; // the calculation whose cell the worker runs, or is being started for, or null
    private String fetchStopped; // pythonRunning, when it was stopped before its worker was taken (while its pyFiles were fetched)
    private PythonWorkers.Start starting; // the start of the worker for pythonRunning, while python is null
    private boolean closed;

    EngineSession(String sessionId, SparkSession spark, JobGroupTracker jobGroups, FairPools pools, SparkJobHistory.Sink jobHistory,
                  PythonWorkers pythonWorkers, Supplier<PySparkGateway> gateway, List<String> pyFiles, Path filesDir,
                  Supplier<RemoteCatalogs> remoteCatalogs) {
        this.sessionId = requireNonNull(sessionId, "sessionId is null");
        this.spark = requireNonNull(spark, "spark is null");
        this.jobGroups = requireNonNull(jobGroups, "jobGroups is null");
        this.pools = requireNonNull(pools, "pools is null");
        this.jobHistory = requireNonNull(jobHistory, "jobHistory is null");
        this.pythonWorkers = requireNonNull(pythonWorkers, "pythonWorkers is null");
        this.gateway = requireNonNull(gateway, "gateway is null");
        this.pyFiles = List.copyOf(requireNonNull(pyFiles, "pyFiles is null"));
        this.filesDir = requireNonNull(filesDir, "filesDir is null");
        this.remoteCatalogs = requireNonNull(remoteCatalogs, "remoteCatalogs is null");
        this.pythonPath = this.pyFiles.isEmpty() ? List.of() : null;
        PySparkSessions.register(sessionId, spark);
    }

    public SparkSession spark() {
        return spark;
    }

    /** The FAIR scheduler pool of a session's jobs: the session's id, which the Python worker knows too. */
    static String poolName(String sessionId) {
        return sessionId;
    }

    /**
     * Starts following a calculation's job group; Spark jobs the calculation runs on this thread
     * belong to it until {@link #endCalculation}. Their summary goes to the session's job history
     * sink once Spark has reported their end.
     */
    @Override
    public CalculationProgress beginCalculation(String calculationId) {
        JobGroupProgress progress = jobGroups.track(calculationId, jobs -> jobHistory.calculationEnded(sessionId, calculationId, jobs));
        SparkContext context = spark.sparkContext();
        context.setJobGroup(calculationId, "Athena calculation " + calculationId + " of session " + sessionId, true);
        // the session's FAIR pool, named after it (FairPools); a Python cell's jobs start on a Py4J thread, and
        // the worker names the same pool there (noctua_worker.py, Spark.begin)
        context.setLocalProperty(FairPools.POOL_PROPERTY, poolName(sessionId));
        SparkSession.setActiveSession(spark);
        updateRemoteCatalogs();
        // classes of jars sessions added (spark.jars, ADD JAR) load through the shared state's class loader, as in spark-sql
        Thread.currentThread().setContextClassLoader(spark.sharedState().jarClassLoader());
        // the calculation is about to run: its DPU time counts from here (docs/statistics.md)
        progress.runStarted(Instant.now());
        return new SparkProgress(progress);
    }

    /**
     * Registers the HIVE data catalogs of remote metastores made, changed or deleted since the last calculation: a
     * calculation names them as they are when it starts. Calculations of a session run one at a time.
     */
    private void updateRemoteCatalogs() {
        RemoteCatalogs now = remoteCatalogs.get();
        if (!now.equals(appliedCatalogs)) {
            now.applyTo(spark, appliedCatalogs == null ? RemoteCatalogs.NONE : appliedCatalogs);
            appliedCatalogs = now;
        }
    }

    /** Progress and DPU time as the job group's tracker has them; task times are wall-clock, so is "now". */
    private record SparkProgress(JobGroupProgress jobs) implements CalculationProgress {
        @Override
        public String describe(boolean finished) {
            return jobs.describe(finished);
        }

        @Override
        public long dpuMillis() {
            return jobs.dpuMillis(Instant.now());
        }
    }

    @Override
    public void endCalculation(String calculationId) {
        spark.sparkContext().clearJobGroup();
        spark.sparkContext().setLocalProperty(FairPools.POOL_PROPERTY, null);
        SparkSession.clearActiveSession();
        jobGroups.untrack(calculationId);
    }

    /**
     * Runs the statements of a {@code %%sql} cell in order and returns what {@code .show()} prints for
     * each statement that returns columns, and each such result as a table. Throws Spark's exception
     * when a statement fails.
     */
    @Override
    public SqlOutput runSql(String sqlText) {
        StringBuilder shown = new StringBuilder();
        ArrayNode outputs = JsonNodeFactory.instance.arrayNode();
        for (String statement : SqlStatements.split(sqlText)) {
            Dataset<Row> result = spark.sql(statement);
            if (!result.schema().isEmpty()) {
                SqlTables.Shown table = SqlTables.show(result, SHOW_ROWS, SHOW_TRUNCATE);
                shown.append(table.text()).append('\n');
                outputs.add(RichOutputs.output("display_data", table.bundle()));
            }
        }
        ObjectNode value = null;
        if (shown.length() > 0) {
            value = JsonNodeFactory.instance.objectNode().put("text/plain", shown.toString());
            outputs.add(RichOutputs.output("execute_result", value.deepCopy()));
        }
        return new SqlOutput(shown.toString(), new RichOutputs(value, outputs));
    }

    @Override
    public void cancel(String calculationId) {
        jobGroups.cancel(calculationId);
    }

    /**
     * Runs a Python cell in the session's worker, started on first use. If the worker dies, the
     * exception says how, and the next cell gets a new worker (with an empty namespace). If it is
     * stopped while its worker starts, the start is abandoned and the exception says so.
     */
    @Override
    public PythonOutcome runPython(String calculationId, String code, Map<String, Object> sessionFacts) {
        PythonWorker worker = null;
        try {
            List<String> path = pythonPath(calculationId);
            worker = workerFor(calculationId);
            // the Py4J gateway is started only for a worker that can use it
            PythonWorker.SparkBinding binding = null;
            if (worker.canImportPyspark()) {
                PySparkGateway pySpark = gateway.get();
                binding = new PythonWorker.SparkBinding(pySpark.port(), pySpark.secret(), sessionId);
            }
            return worker.execute(calculationId, code, binding, sessionFacts, path);
        }
        catch (PythonWorkerException e) {
            if (worker != null) {
                synchronized (this) {
                    if (python == worker) {
                        python = null;
                    }
                }
                worker.kill();
            }
            throw e;
        }
        finally {
            synchronized (this) {
                if (calculationId.equals(pythonRunning)) {
                    pythonRunning = null;
                }
                if (calculationId.equals(fetchStopped)) {
                    fetchStopped = null;
                }
            }
        }
    }

    /**
     * The local copies of the session's spark.submit.pyFiles, as its worker's sys.path entries: fetched on the first
     * Python cell, through the session's Hadoop file systems (the S3 store for {@code s3://}), each into a folder of its
     * own under {@link #filesDir}; a {@code .py} file's entry is that folder, an archive's (zip, wheel, egg) the file
     * itself. A file that cannot be fetched fails the calculation, naming it; the next cell tries again.
     */
    private List<String> pythonPath(String calculationId) {
        synchronized (this) {
            if (closed) {
                throw new PythonWorkerException("The session has ended", null);
            }
            pythonRunning = calculationId; // a stop meanwhile is remembered (fetchStopped), and the cell does not start
            if (pythonPath != null) {
                return pythonPath;
            }
        }
        // outside the lock (a session runs one calculation at a time): a slow store must not hold up a stop or the end
        List<String> fetched = new ArrayList<>();
        Configuration hadoop = spark.sessionState().newHadoopConf();
        deleteTree(filesDir); // what an earlier attempt left
        for (int i = 0; i < pyFiles.size(); i++) {
            String file = pyFiles.get(i);
            Path target;
            try {
                org.apache.hadoop.fs.Path source = file.startsWith("/")
                        ? new org.apache.hadoop.fs.Path(new File(file).toURI()) : new org.apache.hadoop.fs.Path(file);
                target = filesDir.resolve(Integer.toString(i)).resolve(source.getName());
                Files.createDirectories(target.getParent());
                try (InputStream in = source.getFileSystem(hadoop).open(source)) {
                    Files.copy(in, target);
                }
            }
            catch (IOException | RuntimeException e) {
                deleteTree(filesDir);
                throw new PythonWorkerException("The file " + file + " of spark.submit.pyFiles could not be fetched: "
                        + SparkEngine.describe(e), e);
            }
            // a module's folder goes on sys.path; an archive (zip, wheel, egg) itself, for zipimport
            fetched.add((file.toLowerCase(Locale.ROOT).endsWith(".py") ? target.getParent() : target).toString());
        }
        synchronized (this) {
            if (!closed) {
                pythonPath = List.copyOf(fetched);
                return pythonPath;
            }
        }
        deleteTree(filesDir); // the session ended meanwhile, and may have deleted the folder before these were written
        throw new PythonWorkerException("The session has ended", null);
    }

    /**
     * Deletes the folders of sessions' Python files under {@code root} ({@code filesRoot} of
     * {@link SparkEngine#newSession}) that a server which did not stop cleanly left: sessions do not survive a restart.
     */
    public static void deleteFilesOfEndedSessions(Path root) {
        deleteTree(root);
    }

    /** Deletes {@code root} and everything under it, if it exists; logs what cannot be deleted. */
    private static void deleteTree(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
        catch (IOException | UncheckedIOException e) {
            LOG.warning("cannot delete " + root + ": " + e);
        }
    }

    /**
     * The session's worker, now running {@code calculationId}: the one it has, or one taken from the
     * pool, outside the lock (a start may take up to python.start-timeout). A stop or the session's end
     * meanwhile abandons the start; a worker that arrives anyway is killed, having run nothing.
     */
    private PythonWorker workerFor(String calculationId) {
        PythonWorker dead = null;
        PythonWorker current;
        PythonWorkers.Start start = null;
        synchronized (this) {
            if (closed) {
                throw new PythonWorkerException("The session has ended", null);
            }
            if (calculationId.equals(fetchStopped)) {
                fetchStopped = null;
                throw new PythonWorkerException(STOPPED_BEFORE_CELL, null);
            }
            if (python != null && !python.isAlive()) {
                dead = python;
                python = null;
            }
            current = python;
            pythonRunning = calculationId;
            if (current == null) {
                start = new PythonWorkers.Start();
                starting = start;
            }
        }
        if (dead != null) {
            dead.kill(); // it died between cells: what its cells started must not outlive it
        }
        if (current != null) {
            return current;
        }
        PythonWorker started;
        try {
            started = pythonWorkers.take(start);
        }
        catch (RuntimeException e) {
            synchronized (this) {
                if (starting == start) {
                    starting = null;
                }
            }
            throw e;
        }
        String abandoned;
        synchronized (this) {
            if (starting == start) { // else a stop or close took the start away, and abandons it
                starting = null;
                python = started;
                return started;
            }
            abandoned = closed ? SESSION_ENDED_WHILE_STARTING : STOPPED_WHILE_STARTING;
        }
        started.kill();
        throw new PythonWorkerException(abandoned, null);
    }

    /**
     * Raises KeyboardInterrupt in the calculation's Python cell, if it is still running (and no later
     * one); if its worker is still starting, abandons the start.
     */
    @Override
    public void interruptPython(String calculationId) {
        stopPython(calculationId, PythonWorker::interrupt);
    }

    /**
     * Ends the worker of the calculation's Python cell if it still runs it (idle workers are left
     * alone); if its worker is still starting, abandons the start.
     */
    @Override
    public void killRunningPython(String calculationId) {
        stopPython(calculationId, PythonWorker::kill);
    }

    private void stopPython(String calculationId, Consumer<PythonWorker> stop) {
        PythonWorker worker;
        PythonWorkers.Start start;
        synchronized (this) {
            if (!calculationId.equals(pythonRunning)) {
                return;
            }
            worker = python;
            start = starting;
            starting = null; // taken away: the worker it gives, if it still gives one, is not kept
            if (worker == null && start == null) {
                fetchStopped = calculationId; // its pyFiles are being fetched: its cell must not start
            }
        }
        // outside the lock: SIGINT waits for kill(1), a kill sweeps /proc
        if (start != null) {
            start.abandon(STOPPED_WHILE_STARTING);
        }
        else if (worker != null) {
            stop.accept(worker);
        }
    }

    /** Drops the session's temporary views, which also frees any data they cached, and ends its Python worker. */
    @Override
    public void close() {
        PythonWorker worker;
        PythonWorkers.Start start;
        synchronized (this) {
            closed = true;
            worker = python;
            python = null;
            start = starting;
            starting = null;
        }
        if (start != null) {
            start.abandon(SESSION_ENDED_WHILE_STARTING);
        }
        if (worker != null) {
            worker.close();
        }
        PySparkSessions.unregister(sessionId);
        pools.remove(poolName(sessionId));
        deleteTree(filesDir);
        try {
            for (Table table : spark.catalog().listTables().collectAsList()) {
                if (table.isTemporary()) {
                    spark.catalog().dropTempView(table.name());
                }
            }
        }
        catch (Exception ignored) {
            // a session whose catalog cannot be listed holds nothing to free
        }
    }
}
