package io.noctua;

import io.noctua.api.AthenaException;
import io.noctua.api.CalculationShapes;
import io.noctua.api.CapacityShapes;
import io.noctua.api.CatalogShapes;
import io.noctua.api.DashboardShapes;
import io.noctua.api.NotebookShapes;
import io.noctua.api.QueryShapes;
import io.noctua.api.SessionShapes;
import io.noctua.api.TagShapes;
import io.noctua.api.WorkGroupShapes;
import io.noctua.api.glue.ValidationException;
import io.noctua.calculation.CalculationService;
import io.noctua.capacity.CapacityReservationService;
import io.noctua.catalog.DataCatalogRegistry;
import io.noctua.catalog.DataCatalogService;
import io.noctua.cluster.CallRouter;
import io.noctua.cluster.DataDirectory;
import io.noctua.cluster.Forwarder;
import io.noctua.cluster.InternalCalls;
import io.noctua.cluster.InternalRoute;
import io.noctua.cluster.Membership;
import io.noctua.cluster.ServerStore;
import io.noctua.concurrent.Threads;
import io.noctua.config.NoctuaConfig;
import io.noctua.console.Console;
import io.noctua.dashboard.DashboardData;
import io.noctua.dashboard.ResourceDashboards;
import io.noctua.dashboard.SparkJobHistories;
import io.noctua.dashboard.SparkUiAccess;
import io.noctua.engine.CalculationEngine;
import io.noctua.engine.EmbeddedS3FileSystem;
import io.noctua.engine.EngineSession;
import io.noctua.engine.HiveMetastore;
import io.noctua.engine.SparkEngine;
import io.noctua.engine.SparkExecutor;
import io.noctua.engine.SparkUi;
import io.noctua.engine.SparkUiFilter;
import io.noctua.engine.python.PythonEnvironment;
import io.noctua.engine.python.PythonWorkers;
import io.noctua.glue.GlueService;
import io.noctua.http.HttpServer;
import io.noctua.monitoring.SessionLogs;
import io.noctua.notebook.NotebookService;
import io.noctua.notebook.NotebookUrlAccess;
import io.noctua.notebook.NotebookUrls;
import io.noctua.operations.Health;
import io.noctua.operations.Metrics;
import io.noctua.protocol.AwsErrors;
import io.noctua.protocol.AwsJsonApi;
import io.noctua.protocol.HostPolicy;
import io.noctua.protocol.Operation;
import io.noctua.protocol.RequestGate;
import io.noctua.protocol.ShapeValidator;
import io.noctua.protocol.SigV4Verifier;
import io.noctua.query.NamedQueryService;
import io.noctua.query.PreparedStatementService;
import io.noctua.query.QueryService;
import io.noctua.results.EmbeddedResultStore;
import io.noctua.results.EmbeddedS3Server;
import io.noctua.results.ResultStore;
import io.noctua.results.S3Location;
import io.noctua.results.S3ResultStore;
import io.noctua.session.Engines;
import io.noctua.session.LiveSessions;
import io.noctua.session.SessionMachine;
import io.noctua.session.SessionService;
import io.noctua.session.SessionStore;
import io.noctua.store.Database;
import io.noctua.store.JdbcCapacityReservationStore;
import io.noctua.store.JdbcDataCatalogStore;
import io.noctua.store.JdbcJobHistoryStore;
import io.noctua.store.JdbcNotebookStore;
import io.noctua.store.JdbcQueryStore;
import io.noctua.store.JdbcSavedQueryStore;
import io.noctua.store.JdbcServerStore;
import io.noctua.store.JdbcSessionStore;
import io.noctua.store.JdbcTagStore;
import io.noctua.store.JdbcWorkGroupStore;
import io.noctua.tags.TagService;
import io.noctua.tags.TaggedResource;
import io.noctua.workgroup.WorkGroupService;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * The composition root: builds the object graph by hand from a configuration and a Spark engine, and
 * runs it. The engine is passed in, not owned, so tests can share one SparkContext between servers.
 */
public final class NoctuaServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(NoctuaServer.class.getName());
    /** The role the ready Spark workgroup names; Noctua does not call IAM. */
    public static final String DEFAULT_EXECUTION_ROLE = "arn:aws:iam::000000000000:role/noctua-spark";

    /** The variable that tells the worker why it has no pyspark (the end of its NameError for spark and sc). */
    public static final String PYTHON_SPARK_HINT = "NOCTUA_SPARK_HINT";

    /** Larger request headers are answered with HTTP 431. */
    private static final int MAX_HEADER_BYTES = 16 * 1024;

    private final NoctuaConfig config;
    private final Database database;
    private final ResultStore results;
    private final PythonWorkers pythonWorkers;
    /** The environment Noctua built for the workers, or null when python.executable names the Python to use. */
    private final PythonEnvironment.Status pythonEnvironment;
    private final EmbeddedS3Server s3;
    private final LiveSessions liveSessions;
    private final SessionService sessions;
    private final CalculationService calculations;
    private final WorkGroupService workGroups;
    private final TagService tags;
    private final SessionLogs sessionLogs;
    /** Spark's log records, to the driver logs of the sessions whose calculations they are about. */
    private final AutoCloseable sparkLogTap;
    private final CapacityReservationService capacityReservations;
    private final NotebookService notebooks;
    private final NotebookUrls notebookUrls;
    private final QueryService queries;
    private final NamedQueryService namedQueries;
    private final PreparedStatementService preparedStatements;
    private final DataCatalogService dataCatalogs;
    private final GlueService glue;
    private final SparkJobHistories jobHistories;
    private final ResourceDashboards dashboards;
    private final java.util.function.Supplier<io.noctua.engine.hive.RemoteCatalogs> remoteCatalogs;
    private final HostPolicy hostPolicy;
    /** This server's rules in front of Spark's UI, while it serves. */
    private final AutoCloseable sparkUiGate;
    private final HttpServer http;
    /** This server's id among those sharing the store: each start is a server of its own. */
    private final String serverId;
    private final Membership membership;
    private final DataDirectory dataDirectory;
    private final ScheduledExecutorService reaper;
    private final ScheduledExecutorService stopTimer;
    private final ExecutorService stopWork;

    private NoctuaServer(NoctuaConfig config, SparkEngine engine) throws IOException {
        this.config = requireNonNull(config, "config is null");
        refuseAnOpenNetworkServer(config);
        Clock clock = Clock.systemUTC();
        Files.createDirectories(config.dataDir());
        // what has started so far, closed again if a later part cannot start (a port taken, a bad store)
        Deque<AutoCloseable> started = new ArrayDeque<>();
        try {
            this.dataDirectory = keep(started, DataDirectory.claim(config.dataDir()));
            this.database = keep(started, Database.open(config.storeUrl(), config.storeUser(), config.storePassword()));
            this.serverId = UUID.randomUUID().toString();
            String dataDirId = dataDirectory.id();
            ServerStore servers = new JdbcServerStore(database);
            JdbcWorkGroupStore workGroupStore = new JdbcWorkGroupStore(database);
            SessionStore sessionStore = new JdbcSessionStore(database, serverId);
            this.s3 = config.s3Embedded() ? keep(started, startEmbeddedS3(config)) : null;
            if (s3 != null) {
                this.results = keep(started, new EmbeddedResultStore(config.s3Dir(), s3.endpoint()));
            }
            else {
                S3ResultStore store = keep(started, new S3ResultStore(config.s3Settings()));
                this.results = store;
                checkOutputBucketLater(store, config.defaultOutputLocation());
            }
            this.pythonEnvironment = config.pythonExecutable().isEmpty()
                    ? new PythonEnvironment(config.pythonEnvironment(), config.pythonBaseExecutable(), config.pythonPackages(), System.err).ensure()
                    : null;
            this.pythonWorkers = keep(started, pythonWorkers(config, pythonEnvironment));
            EngineSession.deleteFilesOfEndedSessions(sessionFiles());
            this.stopTimer = Executors.newSingleThreadScheduledExecutor(Threads.daemons("stop-timer"));
            started.push(stopTimer::shutdownNow);
            this.stopWork = Executors.newCachedThreadPool(Threads.daemons("stop"));
            started.push(stopWork::shutdownNow);
            // the timer only hands each step of a stop to a thread of its own: one stop's slow step never delays another's
            SessionMachine.Timer timer = (delay, task) -> stopTimer.schedule(() -> stopWork.execute(task), delay.toMillis(), TimeUnit.MILLISECONDS);
            JdbcCapacityReservationStore capacityStore = new JdbcCapacityReservationStore(database);
            JdbcDataCatalogStore catalogStore = new JdbcDataCatalogStore(database);
            this.tags = new TagService(new JdbcTagStore(database), resource -> switch (resource.type()) {
                case TaggedResource.WORK_GROUP -> workGroupStore.get(resource.name()).isPresent();
                case TaggedResource.DATA_CATALOG -> DataCatalogService.CATALOG.equals(resource.name()) || catalogStore.get(resource.name()).isPresent();
                case TaggedResource.CAPACITY_RESERVATION -> capacityStore.get(resource.name()).isPresent();
                case TaggedResource.SESSION -> sessionStore.session(resource.name()).isPresent(); // ended or not
                default -> false;
            });
            DataCatalogRegistry catalogs = new DataCatalogRegistry(catalogStore, tags, clock);
            this.remoteCatalogs = catalogs::remoteCatalogs;
            this.sessionLogs = keep(started, new SessionLogs(results, clock, config.dataDir().resolve("tmp").resolve("session-logs"),
                    engine::jobGroupOfThisThread));
            this.sparkLogTap = keep(started, engine.tapLogs(sessionLogs));
            this.liveSessions = new LiveSessions(sessionStore, clock, timer, config.calculationStopGrace());
            this.hostPolicy = hostPolicy(config);
            SparkUiAccess sparkUiAccess = new SparkUiAccess(hostPolicy, !config.authKeys().isEmpty(), clock);
            this.jobHistories = keep(started, new SparkJobHistories(new JdbcJobHistoryStore(database), clock));
            this.dashboards = new ResourceDashboards(liveSessions, jobHistories, this::advertisedEndpoint, engine::uiPort, sparkUiAccess);
            this.sessions = new SessionService(liveSessions, workGroupStore, engines(engine), tags, sessionLogs, clock, new SessionService.Settings(
                    config.defaultOutputLocation(), config.sessionDefaultIdleTimeoutMinutes(), config.sessionMinute(),
                    new SessionService.Limits(config.sessionMaxActive(), config.sessionMaxActivePerWorkGroup(), config.sessionMaxConcurrentDpus())));
            this.calculations = new CalculationService(liveSessions, results, session -> sessions.recentOfWorkGroup(session.workGroup(), 100),
                    clock);
            started.push(calculations::close);
            JdbcSavedQueryStore savedQueries = new JdbcSavedQueryStore(database);
            this.namedQueries = new NamedQueryService(savedQueries, workGroupStore, clock);
            this.preparedStatements = new PreparedStatementService(savedQueries, workGroupStore, clock);
            this.queries = keep(started, new QueryService(new JdbcQueryStore(database, serverId), workGroupStore, preparedStatements,
                    engine.queryEngine(), results,
                    clock, new QueryService.Settings(serverId, config.defaultOutputLocation(), config.dataDir().resolve("tmp").resolve("query-results"),
                    config.queryMaxRunning()), catalogs));
            JdbcNotebookStore notebookStore = new JdbcNotebookStore(database);
            this.notebooks = new NotebookService(notebookStore, name -> workGroupStore.get(name).isPresent(),
                    workGroup -> sessions.recentOfWorkGroup(workGroup, 100), results, clock);
            this.notebookUrls = new NotebookUrls(notebookStore, liveSessions::session, this::advertisedEndpoint, servers.secret(), clock,
                    config.notebookUrlLifetime());
            this.capacityReservations = new CapacityReservationService(capacityStore, tags, name -> workGroupStore.get(name).isPresent(), clock);
            this.workGroups = new WorkGroupService(workGroupStore, tags, clock, workGroup -> {
                queries.stopAll(workGroup);
                sessions.terminateAll(workGroup);
                liveSessions.forgetFinished();
            });

            this.dataCatalogs = new DataCatalogService(engine.catalog(), catalogs);
            this.glue = new GlueService(engine.catalog());

            // rows stored before servers were recorded count as this server's own: they are ended first (with the
            // queries' leftover files), then what the servers that ran on this data directory before left live
            String calculationReason = "The Noctua server stopped while the calculation was running";
            String sessionReason = "The Noctua server stopped while the session was active; sessions do not survive a restart";
            int endedCalculations = calculations.endCalculationsOf(serverId, calculationReason);
            int endedSessions = sessions.endSessionsOf(serverId, sessionReason);
            int endedQueries = queries.endQueriesOfPreviousRun();
            for (String previous : servers.earlierServers(dataDirId, serverId)) {
                endedCalculations += calculations.endCalculationsOf(previous, calculationReason);
                endedSessions += sessions.endSessionsOf(previous, sessionReason);
                endedQueries += queries.endQueriesOf(previous, "The Noctua server stopped before the query finished");
                servers.remove(previous);
            }
            if (endedSessions + endedCalculations + endedQueries > 0) {
                LOG.info("ended " + endedSessions + " sessions, " + endedCalculations + " calculations and " + endedQueries
                        + " queries left live by the previous run");
            }
            workGroups.createDefaults(config.sparkWorkGroup(), config.defaultOutputLocation(), DEFAULT_EXECUTION_ROLE);

            this.reaper = Executors.newSingleThreadScheduledExecutor(Threads.daemons("idle-sessions"));
            started.push(reaper::shutdownNow);
            this.membership = new Membership(servers, serverId, dataDirId, config.clusterLeaseDuration(), clusterWork());
            InternalCalls internalCalls = new InternalCalls(servers.secret(), clock);
            this.http = HttpServer.start(new HttpServer.Settings(config.httpHost(), config.httpPort(), config.httpThreads(),
                    config.httpMaxRequestBytes(), MAX_HEADER_BYTES, config.httpIdleTimeout()),
                    routes(engine, clock, servers, internalCalls), AwsErrors::forStatus);
            started.push(http);
            this.sparkUiGate = SparkUiFilter.open(sparkUiAccess);
            started.push(sparkUiGate);
            membership.start(advertisedEndpoint());
            started.push(membership);
        }
        catch (RuntimeException | IOException e) {
            for (AutoCloseable part : started) {
                try {
                    part.close();
                }
                catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /**
     * Workers on python.executable as it is, or on the environment's Python, told (NOCTUA_SPARK_HINT)
     * why there is no pyspark when it could not be installed; without a usable environment, every
     * Python calculation fails with the reason.
     */
    private static PythonWorkers pythonWorkers(NoctuaConfig config, PythonEnvironment.Status environment) {
        Path workDir = config.dataDir().resolve("python");
        if (environment == null) {
            return PythonWorkers.start(config.pythonExecutable(), workDir, config.pythonWarmWorkers(), config.pythonStartTimeout());
        }
        if (!environment.usable()) {
            LOG.warning("no Python environment: " + environment.problem());
            return PythonWorkers.unavailable("Python calculations cannot run: the Python environment could not be built: "
                    + environment.problem());
        }
        String hint = environment.sparkHint();
        return PythonWorkers.start(environment.python().toString(), workDir, config.pythonWarmWorkers(), config.pythonStartTimeout(),
                hint == null ? Map.of() : Map.of(PYTHON_SPARK_HINT, hint));
    }

    /** Where each session's copies of its spark.submit.pyFiles go, a folder per session (see EngineSession). */
    private Path sessionFiles() {
        return config.dataDir().resolve("python").resolve("sessions");
    }

    /** The interpreter the Python workers run: python.executable, or the environment's (empty if it could not be built). */
    private String workersPython() {
        if (pythonEnvironment == null) {
            return config.pythonExecutable();
        }
        return pythonEnvironment.usable() ? pythonEnvironment.python().toString() : "";
    }

    /** For the banner: the Python that runs calculations, and what it lacks. */
    public String pythonDescription() {
        return pythonEnvironment == null ? config.pythonExecutable() + "   (python.executable, used as it is)" : pythonEnvironment.describe();
    }

    /** The environment Noctua built for the workers, if it built one (python.executable is empty). */
    public Optional<PythonEnvironment.Status> pythonEnvironment() {
        return Optional.ofNullable(pythonEnvironment);
    }

    /** Sessions get their engine from Spark, with the server's Python workers. */
    private Engines engines(SparkEngine engine) {
        return new Engines() {
            @Override
            public CalculationEngine open(String sessionId, Map<String, String> sparkProperties, int maxConcurrentDpus) {
                return engine.newSession(sessionId, sparkProperties, maxConcurrentDpus, pythonWorkers, sessionFiles(), jobHistories,
                        remoteCatalogs);
            }

            @Override
            public void checkSparkProperties(Map<String, String> sparkProperties) {
                engine.checkSessionProperties(sparkProperties);
            }

            @Override
            public List<SparkExecutor> executors() {
                return engine.executors();
            }
        };
    }

    /** What the lease needs from this server: its load, and the ending of what a server whose lease expired left live. */
    private Membership.Work clusterWork() {
        return new Membership.Work() {
            @Override
            public int activeSessions() {
                return liveSessions.all().size();
            }

            @Override
            public void endWorkOf(String expired, String reason) {
                int ended = calculations.endCalculationsOf(expired, reason) + sessions.endSessionsOf(expired, reason)
                        + queries.endQueriesOf(expired, reason);
                LOG.warning("ended " + ended + " sessions, calculations and queries of the Noctua server " + expired);
            }

            @Override
            public void leaseLapsed() {
                sessions.adoptSessionsEndedElsewhere();
            }
        };
    }

    /** What the call router asks about this server's own work. */
    private CallRouter.Local localWork() {
        return new CallRouter.Local() {
            @Override
            public boolean runsSession(String sessionId) {
                return liveSessions.machine(sessionId).isPresent();
            }

            @Override
            public boolean knowsCalculation(String calculationExecutionId) {
                return liveSessions.knowsCalculation(calculationExecutionId);
            }

            @Override
            public boolean runsQuery(String queryExecutionId) {
                return queries.runs(queryExecutionId);
            }
        };
    }

    /** Where the other servers on the store reach this one: cluster.advertised-endpoint, else its own address. */
    private String advertisedEndpoint() {
        if (!config.clusterAdvertisedEndpoint().isEmpty()) {
            return config.clusterAdvertisedEndpoint();
        }
        if (!HostPolicy.isWildcard(config.httpHost())) {
            return endpoint();
        }
        try {
            return "http://" + java.net.InetAddress.getLocalHost().getCanonicalHostName() + ":" + port();
        }
        catch (java.net.UnknownHostException e) {
            return endpoint(); // no name for this machine: other machines cannot reach it by one either; set cluster.advertised-endpoint
        }
    }

    /** This server's id among the servers sharing its store. */
    public String serverId() {
        return serverId;
    }

    private static void closeQuietly(AutoCloseable part) {
        try {
            part.close();
        }
        catch (Exception e) {
            LOG.warning("could not close " + part + ": " + e);
        }
    }

    private static <T extends AutoCloseable> T keep(Deque<AutoCloseable> started, T part) {
        started.push(part);
        return part;
    }

    /**
     * Every request passes one gate (Host and Origin, then a signature where keys are configured) on
     * its way to the API, the console, or the operators' endpoints.
     */
    private RequestGate routes(SparkEngine engine, Clock clock, ServerStore servers, InternalCalls internalCalls) {
        Health health = new Health(List.of(
                new Health.Check("spark", engine::problem),
                new Health.Check("store", database::problem),
                new Health.Check("s3", this::s3Problem)), clock);
        Metrics metrics = new Metrics(liveSessions, pythonWorkers, health);
        AwsJsonApi api = new AwsJsonApi(List.of(
                new AwsJsonApi.Service("AmazonAthena.", "", operations(), ShapeValidator.load(),
                        new CallRouter(membership, servers, localWork(), new Forwarder(serverId, internalCalls))),
                new AwsJsonApi.Service("AWSGlue.", "Glue.", glue.operations(), ShapeValidator.load("glue-shapes.json", ValidationException::new))),
                metrics.apiListener());
        Console console = new Console(results, this::workersPython);
        Optional<SigV4Verifier> signatures = config.authKeys().isEmpty()
                ? Optional.empty()
                : Optional.of(new SigV4Verifier(config.authKeys(), Set.of("athena", "glue"), clock));
        RequestGate.Mount apiMount = new RequestGate.Mount("/", false, true, api);
        NotebookUrlAccess notebookUrlAccess = new NotebookUrlAccess(notebookUrls,
                id -> known(() -> liveSessions.calculation(id).sessionId()), id -> known(() -> liveSessions.session(id).workingDirectory()));
        return new RequestGate(hostPolicy, signatures, List.of(notebookUrlAccess), List.of(
                apiMount,
                new RequestGate.Mount(Console.OUTPUT_PATH, false, true, console),
                new RequestGate.Mount(DashboardData.PATH, false, true, new DashboardData(dashboards)),
                // other servers on the store: signed with the store's secret instead of SigV4
                new RequestGate.Mount(Forwarder.PATH, false, false, new InternalRoute(internalCalls, api)),
                new RequestGate.Mount(Console.PATH, true, false, console),
                new RequestGate.Mount("/health", false, false, health),
                new RequestGate.Mount("/metrics", false, false, metrics)), apiMount);
    }

    /** The names this server answers to, for its API, its console and Spark's UI alike. */
    private static HostPolicy hostPolicy(NoctuaConfig config) {
        List<String> hosts = new java.util.ArrayList<>(config.httpAllowedHosts());
        if (!config.clusterAdvertisedEndpoint().isEmpty()) {
            hosts.add(java.net.URI.create(config.clusterAdvertisedEndpoint()).getHost()); // the name other servers call it by
        }
        return HostPolicy.of(config.httpHost(), hosts);
    }

    /** What {@code lookup} finds, or empty when it answers that there is no such thing. */
    private static <T> Optional<T> known(java.util.function.Supplier<T> lookup) {
        try {
            return Optional.of(lookup.get());
        }
        catch (AthenaException e) {
            return Optional.empty();
        }
    }

    /** Null when the S3 store answers: the embedded one on its port, another one for the output bucket. */
    private String s3Problem() {
        if (s3 != null) {
            return s3.isServing() ? null : "the embedded S3 store does not answer at " + s3.endpoint() + " (it is restarted when it dies)";
        }
        try {
            ((S3ResultStore) results).checkBucket(S3Location.parse(config.defaultOutputLocation()).bucket());
            return null;
        }
        catch (RuntimeException e) {
            return results.describe() + ": " + e.getMessage();
        }
    }

    /**
     * A calculation is arbitrary code: a server that others can reach must check who calls it, unless
     * the person starting it says, in so many words, that anyone may.
     */
    private static void refuseAnOpenNetworkServer(NoctuaConfig config) {
        if (HostPolicy.isLoopback(config.httpHost()) || !config.authKeys().isEmpty()) {
            return;
        }
        if (!config.httpAllowUnauthenticatedNetwork()) {
            throw new NoctuaConfig.ConfigException("http.host " + config.httpHost() + " is reachable from other machines, and anyone who "
                    + "reaches Noctua can run code on this one: set auth.access-key-id and auth.secret-access-key so that every call must be "
                    + "signed, or, if this network is yours alone, --conf http.allow-unauthenticated-network=true");
        }
        String line = "*".repeat(78);
        LOG.warning("\n" + line + "\n  Noctua serves on " + config.httpHost() + " WITHOUT AUTHENTICATION: anyone who can reach its port\n"
                + "  can run any code on this machine. Set auth.access-key-id and auth.secret-access-key\n"
                + "  to require signed calls.\n" + line);
    }

    /**
     * The Spark properties for a server with {@code config}: what makes {@code s3://} paths in
     * calculations reach its S3 store (the embedded store's files directly, another store through
     * Hadoop S3A), the persistent catalog, then the configuration's own {@code spark.*} keys, which win.
     */
    public static Map<String, String> sparkProperties(NoctuaConfig config) {
        boolean local = config.spark().getOrDefault("spark.master", "local[*]").startsWith("local");
        Map<String, String> properties = new LinkedHashMap<>(config.s3Embedded() && local
                ? EmbeddedS3FileSystem.sparkProperties(config.s3Dir())
                : s3aProperties(config));
        if (config.catalog().equals("hive")) {
            properties.putAll(config.metastoreDatabase()
                    .map(HiveMetastore::sparkProperties)
                    .orElseGet(() -> HiveMetastore.sparkProperties(config.metastoreDir())));
        }
        if (local) {
            // in local mode nothing outside this machine talks to the driver: its RPC and block manager
            // ports stay on loopback (Spark would otherwise listen on the machine's network address)
            properties.put("spark.driver.host", "127.0.0.1");
            properties.put("spark.driver.bindAddress", "127.0.0.1");
        }
        // Spark's UI (when spark.ui.enabled) listens where the API does, not on every interface (SparkUi)
        properties.put(SparkUi.HOST, uiBindAddress(config.httpHost()));
        properties.putAll(config.spark());
        return properties;
    }

    /** The address Spark's UI binds to for a server on {@code httpHost}: the same, an IPv6 literal without brackets. */
    private static String uiBindAddress(String httpHost) {
        String host = httpHost.strip();
        if (host.isEmpty()) {
            return "0.0.0.0";
        }
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /**
     * Hadoop S3A to the S3 store. On a cluster, executors run on other machines (or in other JVMs), where
     * the embedded store's direct-file shortcut ({@link EmbeddedS3FileSystem}) would read and write their own
     * disks: there {@code s3://} goes through S3A to the embedded store's endpoint too, which must then be on
     * a port known before it starts.
     */
    private static Map<String, String> s3aProperties(NoctuaConfig config) {
        if (config.s3Embedded() && config.s3Port() == 0) {
            throw new NoctuaConfig.ConfigException("on a Spark cluster (spark.master " + config.spark().get("spark.master")
                    + ") executors reach the embedded S3 store through its endpoint, so s3.port must name a port, not 0");
        }
        return config.s3Settings().sparkProperties();
    }

    /** s3proxy over its directory, with the default output location's bucket made (a bucket is a directory there). */
    private static EmbeddedS3Server startEmbeddedS3(NoctuaConfig config) throws IOException {
        Files.createDirectories(config.s3Dir().resolve(S3Location.parse(config.defaultOutputLocation()).bucket()));
        return EmbeddedS3Server.start(EmbeddedS3Server.bundledJar(), config.s3Dir(), config.dataDir().resolve("s3proxy"), config.httpHost(),
                config.s3Port(), config.s3AccessKeyId(), config.s3SecretAccessKey());
    }

    /**
     * Another store may be down at start and come up later, so its output bucket is checked in the
     * background and only logged; calculations fail with the reason while it stays unreachable.
     */
    private static void checkOutputBucketLater(S3ResultStore results, String outputLocation) {
        Threads.start("s3-check", () -> {
            String bucket = S3Location.parse(outputLocation).bucket();
            try {
                results.checkBucket(bucket);
                LOG.info("results go to " + outputLocation + " on " + results.describe());
            }
            catch (RuntimeException e) {
                LOG.warning("the default output location " + outputLocation + " on " + results.describe() + " is not usable yet, "
                        + "so calculations will fail until it is: " + e.getMessage());
            }
        });
    }

    /** The embedded S3 store's endpoint, if it runs. */
    public Optional<String> s3Endpoint() {
        return s3 == null ? Optional.empty() : Optional.of(s3.endpoint());
    }

    /** Builds and starts a server: the store is opened and recovered, then HTTP listens. */
    public static NoctuaServer start(NoctuaConfig config, SparkEngine engine) {
        try {
            NoctuaServer server = new NoctuaServer(config, engine);
            long interval = server.config.sessionIdleCheckInterval().toMillis();
            server.reaper.scheduleWithFixedDelay(server::reapIdleSessions, interval, interval, TimeUnit.MILLISECONDS);
            return server;
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot start Noctua on " + config.httpHost() + ":" + config.httpPort() + ": " + e.getMessage(), e);
        }
    }

    private void reapIdleSessions() {
        try {
            liveSessions.terminateIdle(config.sessionMinute());
            liveSessions.storeWhatWasNotStored();
        }
        catch (RuntimeException e) {
            LOG.warning("idle session check failed: " + e);
        }
    }

    private List<Operation<?, ?>> operations() {
        return List.of(
                new Operation<>("CreateWorkGroup", WorkGroupShapes.CreateWorkGroupInput.class, workGroups::create),
                new Operation<>("GetWorkGroup", WorkGroupShapes.GetWorkGroupInput.class, workGroups::get),
                new Operation<>("ListWorkGroups", WorkGroupShapes.ListWorkGroupsInput.class, workGroups::list),
                new Operation<>("UpdateWorkGroup", WorkGroupShapes.UpdateWorkGroupInput.class, workGroups::update),
                new Operation<>("DeleteWorkGroup", WorkGroupShapes.DeleteWorkGroupInput.class, workGroups::delete),
                new Operation<>("ListEngineVersions", WorkGroupShapes.ListEngineVersionsInput.class, workGroups::listEngineVersions),
                new Operation<>("ListApplicationDPUSizes", WorkGroupShapes.ListApplicationDPUSizesInput.class, workGroups::listApplicationDPUSizes),
                new Operation<>("StartSession", SessionShapes.StartSessionRequest.class, request -> {
                    notebooks.checkSessionStart(request);
                    return sessions.start(request);
                }),
                new Operation<>("GetSession", SessionShapes.SessionIdRequest.class, sessions::get),
                new Operation<>("GetSessionStatus", SessionShapes.SessionIdRequest.class, sessions::status),
                new Operation<>("ListSessions", SessionShapes.ListSessionsRequest.class, sessions::list),
                new Operation<>("TerminateSession", SessionShapes.SessionIdRequest.class, sessions::terminate),
                new Operation<>("ListExecutors", SessionShapes.ListExecutorsRequest.class, sessions::listExecutors),
                new Operation<>("GetSessionEndpoint", SessionShapes.SessionIdRequest.class, sessions::endpoint),
                new Operation<>("GetResourceDashboard", DashboardShapes.GetResourceDashboardRequest.class, dashboards::get),
                new Operation<>("StartCalculationExecution", CalculationShapes.StartCalculationExecutionRequest.class, calculations::start),
                new Operation<>("GetCalculationExecution", CalculationShapes.CalculationIdRequest.class, calculations::get),
                new Operation<>("GetCalculationExecutionStatus", CalculationShapes.CalculationIdRequest.class, calculations::status),
                new Operation<>("GetCalculationExecutionCode", CalculationShapes.CalculationIdRequest.class, calculations::code),
                new Operation<>("ListCalculationExecutions", CalculationShapes.ListCalculationExecutionsRequest.class, calculations::list),
                new Operation<>("StopCalculationExecution", CalculationShapes.CalculationIdRequest.class, calculations::stop),
                new Operation<>("StartQueryExecution", QueryShapes.StartQueryExecutionRequest.class, queries::start),
                new Operation<>("GetQueryExecution", QueryShapes.QueryExecutionIdRequest.class, queries::get),
                new Operation<>("BatchGetQueryExecution", QueryShapes.BatchGetQueryExecutionRequest.class, queries::batchGet),
                new Operation<>("ListQueryExecutions", QueryShapes.ListQueryExecutionsRequest.class, queries::list),
                new Operation<>("StopQueryExecution", QueryShapes.QueryExecutionIdRequest.class, queries::stop),
                new Operation<>("GetQueryResults", QueryShapes.GetQueryResultsRequest.class, queries::results),
                new Operation<>("GetQueryRuntimeStatistics", QueryShapes.QueryExecutionIdRequest.class, queries::runtimeStatistics),
                new Operation<>("CreateNamedQuery", QueryShapes.CreateNamedQueryRequest.class, namedQueries::create),
                new Operation<>("GetNamedQuery", QueryShapes.NamedQueryIdRequest.class, namedQueries::get),
                new Operation<>("BatchGetNamedQuery", QueryShapes.BatchGetNamedQueryRequest.class, namedQueries::batchGet),
                new Operation<>("ListNamedQueries", QueryShapes.ListNamedQueriesRequest.class, namedQueries::list),
                new Operation<>("UpdateNamedQuery", QueryShapes.UpdateNamedQueryRequest.class, namedQueries::update),
                new Operation<>("DeleteNamedQuery", QueryShapes.NamedQueryIdRequest.class, namedQueries::delete),
                new Operation<>("CreatePreparedStatement", QueryShapes.PreparedStatementRequest.class, preparedStatements::create),
                new Operation<>("GetPreparedStatement", QueryShapes.PreparedStatementNameRequest.class, preparedStatements::get),
                new Operation<>("BatchGetPreparedStatement", QueryShapes.BatchGetPreparedStatementRequest.class, preparedStatements::batchGet),
                new Operation<>("ListPreparedStatements", QueryShapes.ListPreparedStatementsRequest.class, preparedStatements::list),
                new Operation<>("UpdatePreparedStatement", QueryShapes.PreparedStatementRequest.class, preparedStatements::update),
                new Operation<>("DeletePreparedStatement", QueryShapes.PreparedStatementNameRequest.class, preparedStatements::delete),
                new Operation<>("ListDataCatalogs", CatalogShapes.ListDataCatalogsRequest.class, dataCatalogs::listDataCatalogs),
                new Operation<>("GetDataCatalog", CatalogShapes.GetDataCatalogRequest.class, dataCatalogs::getDataCatalog),
                new Operation<>("CreateDataCatalog", CatalogShapes.CreateDataCatalogRequest.class, dataCatalogs::createDataCatalog),
                new Operation<>("UpdateDataCatalog", CatalogShapes.UpdateDataCatalogRequest.class, dataCatalogs::updateDataCatalog),
                new Operation<>("DeleteDataCatalog", CatalogShapes.DeleteDataCatalogRequest.class, dataCatalogs::deleteDataCatalog),
                new Operation<>("ListDatabases", CatalogShapes.ListDatabasesRequest.class, dataCatalogs::listDatabases),
                new Operation<>("GetDatabase", CatalogShapes.GetDatabaseRequest.class, dataCatalogs::getDatabase),
                new Operation<>("ListTableMetadata", CatalogShapes.ListTableMetadataRequest.class, dataCatalogs::listTableMetadata),
                new Operation<>("GetTableMetadata", CatalogShapes.GetTableMetadataRequest.class, dataCatalogs::getTableMetadata),
                new Operation<>("TagResource", TagShapes.TagResourceInput.class, tags::tagResource),
                new Operation<>("UntagResource", TagShapes.UntagResourceInput.class, tags::untagResource),
                new Operation<>("ListTagsForResource", TagShapes.ListTagsForResourceInput.class, tags::listTagsForResource),
                new Operation<>("CreateNotebook", NotebookShapes.CreateNotebookInput.class, notebooks::create),
                new Operation<>("ImportNotebook", NotebookShapes.ImportNotebookInput.class, notebooks::importNotebook),
                new Operation<>("ExportNotebook", NotebookShapes.NotebookIdInput.class, notebooks::export),
                new Operation<>("GetNotebookMetadata", NotebookShapes.NotebookIdInput.class, notebooks::getMetadata),
                new Operation<>("ListNotebookMetadata", NotebookShapes.ListNotebookMetadataInput.class, notebooks::listMetadata),
                new Operation<>("UpdateNotebook", NotebookShapes.UpdateNotebookInput.class, notebooks::update),
                new Operation<>("UpdateNotebookMetadata", NotebookShapes.UpdateNotebookMetadataInput.class, notebooks::updateMetadata),
                new Operation<>("DeleteNotebook", NotebookShapes.NotebookIdInput.class, notebooks::delete),
                new Operation<>("ListNotebookSessions", NotebookShapes.ListNotebookSessionsInput.class, notebooks::listSessions),
                new Operation<>("CreatePresignedNotebookUrl", NotebookShapes.CreatePresignedNotebookUrlInput.class, notebookUrls::create),
                new Operation<>("CreateCapacityReservation", CapacityShapes.CreateCapacityReservationInput.class, capacityReservations::create),
                new Operation<>("GetCapacityReservation", CapacityShapes.CapacityReservationNameInput.class, capacityReservations::get),
                new Operation<>("ListCapacityReservations", CapacityShapes.ListCapacityReservationsInput.class, capacityReservations::list),
                new Operation<>("UpdateCapacityReservation", CapacityShapes.UpdateCapacityReservationInput.class, capacityReservations::update),
                new Operation<>("CancelCapacityReservation", CapacityShapes.CapacityReservationNameInput.class, capacityReservations::cancel),
                new Operation<>("DeleteCapacityReservation", CapacityShapes.CapacityReservationNameInput.class, capacityReservations::delete),
                new Operation<>("PutCapacityAssignmentConfiguration", CapacityShapes.PutCapacityAssignmentConfigurationInput.class,
                        capacityReservations::putAssignments),
                new Operation<>("GetCapacityAssignmentConfiguration", CapacityShapes.GetCapacityAssignmentConfigurationInput.class,
                        capacityReservations::getAssignments));
    }

    public int port() {
        return http.port();
    }

    /** Where a client on this machine reaches the server (for a server on every interface, through loopback). */
    public String endpoint() {
        String host = HostPolicy.isWildcard(config.httpHost()) ? "127.0.0.1" : config.httpHost();
        return "http://" + (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port();
    }

    public NoctuaConfig config() {
        return config;
    }

    public ResultStore results() {
        return results;
    }

    /**
     * Stops taking requests, ends live sessions (their calculations are cancelled and recorded as
     * such), then closes the store. The Spark engine is left to its owner.
     */
    @Override
    public void close() {
        http.close();
        closeQuietly(sparkUiGate);
        reaper.shutdownNow();
        sessions.terminateAllForShutdown();
        int unfinished = calculations.awaitIdle(Duration.ofSeconds(10));
        if (unfinished > 0) {
            LOG.warning(unfinished + " calculations did not stop in time; they are recorded as ended at the next start");
        }
        calculations.close();
        jobHistories.close(Duration.ofSeconds(2));
        queries.close();
        membership.close();
        stopTimer.shutdownNow();
        stopWork.shutdownNow();
        pythonWorkers.close();
        closeQuietly(sparkLogTap);
        sessionLogs.close(); // the ended sessions' last driver logs, before the store they go to closes
        results.close();
        if (s3 != null) {
            s3.close();
        }
        database.close();
        dataDirectory.close();
    }
}
