package io.noctua.engine;

import io.noctua.concurrent.Threads;
import io.noctua.engine.hive.RemoteCatalogs;
import io.noctua.engine.python.PySparkGateway;
import io.noctua.engine.python.PythonWorkers;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The Spark driver: one SparkContext for the whole server, started in the background when the
 * server starts (several seconds), and one {@code newSession()} per Athena session (milliseconds),
 * which isolates temporary views and SQL settings while sharing the context and its executors.
 */
public final class SparkEngine implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SparkEngine.class.getName());

    /**
     * How often executors report their running tasks' metrics to the driver, in local mode, unless
     * {@code spark.executor.heartbeatInterval} is set: running calculations' progress moves with
     * these reports (docs/statistics.md); Spark's default is 10 s.
     */
    static final String LOCAL_HEARTBEAT_INTERVAL = "1s";

    private final CompletableFuture<Started> started;
    private final SessionProperties sessionProperties;
    private PySparkGateway pySparkGateway;
    /** The jars sessions' spark.jars have added to the context, as URIs: each is added once. */
    private final java.util.Set<String> addedJars = new java.util.HashSet<>();

    private record Started(SparkSession root, JobGroupTracker jobGroups, ExecutorTracker executors, FairPools pools) {
    }

    private SparkEngine(CompletableFuture<Started> started, SessionProperties sessionProperties) {
        this.started = started;
        this.sessionProperties = sessionProperties;
    }

    /**
     * Starts Spark on a background thread; {@code conf} holds {@code spark.*} settings, {@code spark.master} among them,
     * and {@link SparkUi#HOST}, where Spark's UI listens when {@code spark.ui.enabled} (default: loopback).
     */
    public static SparkEngine start(Map<String, String> conf) {
        SparkConf given = new SparkConf(false);
        given.setAppName("noctua");
        conf.forEach((key, value) -> {
            if (!key.equals(SparkUi.HOST)) {
                given.set(key, value);
            }
        });
        SparkConf sparkConf = SparkUi.configure(given, conf.getOrDefault(SparkUi.HOST, SparkUi.DEFAULT_HOST));
        if (sparkConf.get("spark.master", "local[*]").startsWith("local")) {
            sparkConf.setIfMissing("spark.executor.heartbeatInterval", LOCAL_HEARTBEAT_INTERVAL);
            // Delta Lake rebuilds a table's state in 50 partitions unless told otherwise: measured on 2 cores,
            // each UPDATE took about 20 s that way; one machine's cores suffice (a session may still set it)
            sparkConf.setIfMissing("spark.databricks.delta.snapshotPartitions", Integer.toString(Runtime.getRuntime().availableProcessors()));
        }
        else {
            shipNoctuaToExecutors(sparkConf);
        }
        // each Athena session's jobs go to a FAIR pool of their own (FairPools): one session's heavy job does
        // not hold back another's small one, as it would in Spark's default FIFO order
        sparkConf.setIfMissing("spark.scheduler.mode", "FAIR");
        sparkConf.setIfMissing("spark.hadoop.io.compression.codecs", ZstdCodec.class.getName());
        // every table format's SQL extensions, for all sessions: the one setting a session cannot choose
        sparkConf.setIfMissing("spark.sql.extensions", SessionProperties.contextExtensions());
        Map<String, String> contextProperties = new java.util.HashMap<>();
        for (scala.Tuple2<String, String> property : sparkConf.getAll()) {
            contextProperties.put(property._1(), property._2());
        }
        SessionProperties sessionProperties = new SessionProperties(contextProperties);
        String derbyHome = conf.get(HiveMetastore.DERBY_HOME);
        if (derbyHome != null && System.getProperty("derby.system.home") == null) {
            System.setProperty("derby.system.home", derbyHome);
        }
        CompletableFuture<Started> started = CompletableFuture.supplyAsync(() -> {
            long begin = System.nanoTime();
            // the context is made from the configuration itself, not a copy of its entries: it answers for the UI's host
            SparkContext context = SparkContext.getOrCreate(sparkConf);
            SparkSession root = SparkSession.builder().sparkContext(context).getOrCreate();
            JobGroupTracker jobGroups = new JobGroupTracker(root.sparkContext());
            ExecutorTracker executors = new ExecutorTracker(root.sparkContext());
            root.sparkContext().addSparkListener(jobGroups);
            root.sparkContext().addSparkListener(executors);
            FairPools pools = new FairPools(root.sparkContext());
            pools.ensure(FairPools.QUERY_POOL, FairPools.QUERY_POOL_WEIGHT);
            warmUp(root);
            LOG.info(() -> "Spark " + root.version() + " started on " + root.sparkContext().master() + " in "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin) + " ms");
            return new Started(root, jobGroups, executors, pools);
        }, runnable -> Threads.start("spark-start", runnable));
        return new SparkEngine(started, sessionProperties);
    }

    /**
     * Noctua's own classes run on executors too (the zstd codec, the Hive input formats and SerDes, the OpenX
     * JSON SerDe), so on a cluster the jar they were loaded from goes to the executors with {@code spark.jars}.
     * Classes loaded from a directory (an IDE, {@code mvn test}) cannot be shipped: that is said at start,
     * and jobs that need them fail on the executors with ClassNotFoundException.
     */
    private static void shipNoctuaToExecutors(SparkConf sparkConf) {
        java.security.CodeSource source = SparkEngine.class.getProtectionDomain().getCodeSource();
        java.nio.file.Path location;
        try {
            location = source == null ? null : java.nio.file.Path.of(source.getLocation().toURI());
        }
        catch (java.net.URISyntaxException | IllegalArgumentException e) {
            location = null;
        }
        if (location == null || !java.nio.file.Files.isRegularFile(location)) {
            LOG.warning("Noctua's classes were loaded from " + (location == null ? "an unknown place" : "the directory " + location)
                    + ", not from a jar, so they cannot be shipped to the executors of " + sparkConf.get("spark.master")
                    + ": jobs that need them there (zstd files, Hive SerDe and OpenX JSON tables) will fail. "
                    + "Run Noctua from its jar (./noctua, or java -jar target/noctua.jar) to ship it.");
            return;
        }
        String jar = location.toUri().toString();
        String jars = sparkConf.get("spark.jars", "");
        if (!java.util.Arrays.asList(jars.split(",")).contains(jar)) {
            sparkConf.set("spark.jars", jars.isBlank() ? jar : jars + "," + jar);
        }
        LOG.info("Noctua's jar " + location + " goes to the executors of " + sparkConf.get("spark.master") + " (spark.jars)");
    }

    /**
     * The first query of a JVM pays for class loading and code generation (seconds), and the first
     * catalog call for opening the metastore (seconds more); paying both here, before anyone waits
     * on them, lets the first calculation run as fast as the later ones.
     */
    private static void warmUp(SparkSession root) {
        SparkSession scratch = root.newSession();
        scratch.sparkContext().setJobGroup("noctua-warm-up", "warming up Spark", true);
        try {
            if ("hive".equals(root.conf().get("spark.sql.catalogImplementation", "in-memory"))) {
                HiveMetastore.firstUse(root.sparkContext().hadoopConfiguration(), () -> scratch.catalog().databaseExists("default"));
            }
            else {
                scratch.catalog().databaseExists("default");
            }
            scratch.sql("SELECT id % 3 AS k, count(*) AS n FROM range(1000) GROUP BY id % 3 ORDER BY k").showString(20, 20, false);
        }
        finally {
            scratch.sparkContext().clearJobGroup();
        }
    }

    /** Waits for Spark to be up; throws {@link EngineException} with Spark's reason if it failed to start. */
    private Started awaitStarted(Duration timeout) {
        try {
            return started.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (ExecutionException e) {
            throw new EngineException("Spark failed to start: " + e.getCause().getMessage(), e.getCause());
        }
        catch (TimeoutException e) {
            throw new EngineException("Spark did not start within " + timeout.toSeconds() + " s", e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while waiting for Spark to start", e);
        }
    }

    /** Null while Spark runs; otherwise why it does not: still starting, failed to start, or stopped. */
    public String problem() {
        if (!started.isDone()) {
            return "Spark is still starting";
        }
        try {
            return started.join().root().sparkContext().isStopped() ? "the SparkContext was stopped" : null;
        }
        catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
            return "Spark failed to start: " + (e.getCause() == null ? e : e.getCause()).getMessage();
        }
    }

    public boolean isStarted() {
        return started.isDone() && !started.isCompletedExceptionally();
    }

    public void awaitReady(Duration timeout) {
        awaitStarted(timeout);
    }

    public String version() {
        return awaitStarted(Duration.ofMinutes(5)).root().version();
    }

    public String master() {
        return awaitStarted(Duration.ofMinutes(5)).root().sparkContext().master();
    }

    /**
     * Throws {@link SessionProperties.Refused}, naming the property, if a session's {@code sparkProperties}
     * cannot be honoured for it alone; see {@link SessionProperties}.
     */
    public void checkSessionProperties(Map<String, String> sparkProperties) {
        sessionProperties.effective(sparkProperties);
    }

    /**
     * A new isolated SparkSession for an Athena session, with its Spark properties applied as
     * {@link SessionProperties} says, and a FAIR pool of its own weighted by its {@code maxConcurrentDpus}
     * ({@link FairPools}); its Python cells run in a worker from {@code pythonWorkers}, which
     * gets the session's {@code spark.submit.pyFiles}, copied to {@code <filesRoot>/<sessionId>/} on first use.
     * What Spark did for each of its calculations goes to {@code jobHistory} once Spark has reported it.
     * Its {@code spark.jars} are added to the whole server first, each once; throws {@link EngineException}
     * naming a jar that cannot be read. The HIVE data catalogs of {@code remoteCatalogs} are Spark catalogs of the
     * session, brought up to date as each calculation starts.
     */
    public EngineSession newSession(String sessionId, Map<String, String> sparkProperties, int maxConcurrentDpus,
                                    PythonWorkers pythonWorkers, java.nio.file.Path filesRoot, SparkJobHistory.Sink jobHistory,
                                    Supplier<RemoteCatalogs> remoteCatalogs) {
        Map<String, String> effective = sessionProperties.effective(sparkProperties);
        Started engine = awaitStarted(Duration.ofMinutes(5));
        SparkSession session = engine.root().newSession();
        effective.forEach((key, value) -> session.conf().set(key, value));
        addJars(session, sessionProperties.jars(sparkProperties));
        engine.pools().ensure(sessionId, maxConcurrentDpus);
        return new EngineSession(sessionId, session, engine.jobGroups(), engine.pools(), jobHistory, pythonWorkers, this::pySparkGateway,
                sessionProperties.pyFiles(sparkProperties), filesRoot.resolve(sessionId), remoteCatalogs);
    }

    /**
     * Adds each jar not added before as SQL's {@code ADD JAR} does: to the context (executors fetch it) and to the
     * class loader every session's SQL shares. Spark does not look at a remote jar until a class is loaded from it,
     * so each is first checked here, through the session's Hadoop file systems (the S3 store for {@code s3://}).
     */
    private void addJars(SparkSession session, List<String> jars) {
        for (String jar : jars) {
            String uri = jar.startsWith("/") ? new java.io.File(jar).toURI().toString() : jar;
            synchronized (addedJars) {
                if (addedJars.contains(uri)) {
                    continue;
                }
                try {
                    org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(uri);
                    org.apache.hadoop.fs.FileStatus status = path.getFileSystem(session.sessionState().newHadoopConf()).getFileStatus(path);
                    if (status.isDirectory()) {
                        throw new java.io.IOException("it is a directory");
                    }
                }
                catch (java.io.IOException | RuntimeException e) {
                    throw new EngineException("the jar " + jar + " of spark.jars cannot be read: " + describe(e), e);
                }
                session.sessionState().resourceLoader().addJar(uri);
                addedJars.add(uri);
                LOG.info(() -> "added " + uri + " (spark.jars of a session) for every session");
            }
        }
    }

    /** An exception's message as a reason: the class's name when it has no message, the first line otherwise. */
    static String describe(Throwable e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        String first = message.lines().findFirst().orElse(message).trim();
        return e instanceof java.io.FileNotFoundException ? "not found (" + first + ")" : first;
    }

    /** The Py4J gateway Python workers bind {@code spark} through; started on first use. */
    public synchronized PySparkGateway pySparkGateway() {
        if (pySparkGateway == null) {
            pySparkGateway = PySparkGateway.start(awaitStarted(Duration.ofMinutes(5)).root().sparkContext().getConf());
        }
        return pySparkGateway;
    }

    /** The SQL API's engine: statements on Spark SQL over the shared catalog. */
    public QueryEngine queryEngine() {
        Duration wait = Duration.ofMinutes(5);
        return new SparkQueryEngine(() -> awaitStarted(wait).root(), () -> awaitStarted(wait).jobGroups());
    }

    /** The shared catalog, read directly (not through SQL): what the data-catalog and Glue operations serve. */
    public MetastoreCatalog catalog() {
        return new MetastoreCatalog(() -> awaitStarted(Duration.ofMinutes(5)).root());
    }

    public void cancelJobGroup(String group) {
        if (isStarted()) {
            started.join().jobGroups().cancel(group);
        }
    }

    /** The port Spark's web UI listens on, when it runs (spark.ui.enabled) and Spark has started. */
    public OptionalInt uiPort() {
        if (!isStarted()) {
            return OptionalInt.empty();
        }
        scala.Option<org.apache.spark.ui.SparkUI> ui = started.join().root().sparkContext().ui();
        return ui.isDefined() ? OptionalInt.of(ui.get().boundPort()) : OptionalInt.empty();
    }

    public List<SparkExecutor> executors() {
        return isStarted() ? started.join().executors().all() : List.of();
    }

    /**
     * Hands Spark's log records to {@code listener}, each with the job group of the thread that logged it
     * ({@link SparkLogTap}), until the returned handle is closed.
     */
    public AutoCloseable tapLogs(SparkLogListener listener) {
        return SparkLogTap.install(this::contextIfStarted, listener);
    }

    /**
     * The Spark job group the calling thread works for (a calculation's id while it runs its code, a task's group on a
     * task thread), or null.
     */
    public String jobGroupOfThisThread() {
        return SparkLogTap.jobGroupOfThisThread(contextIfStarted());
    }

    private org.apache.spark.SparkContext contextIfStarted() {
        return isStarted() ? started.join().root().sparkContext() : null;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (pySparkGateway != null) {
                pySparkGateway.close();
                pySparkGateway = null;
            }
        }
        if (isStarted()) {
            started.join().root().stop();
        }
        else {
            started.cancel(false);
        }
    }

    public static final class EngineException extends RuntimeException {
        EngineException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
