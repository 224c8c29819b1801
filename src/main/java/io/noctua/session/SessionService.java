package io.noctua.session;

import io.noctua.api.ExecutorState;
import io.noctua.api.ExecutorType;
import io.noctua.api.InvalidRequestException;
import io.noctua.api.MonitoringShapes.MonitoringConfiguration;
import io.noctua.api.PageTokens;
import io.noctua.api.SessionShapes.EngineConfiguration;
import io.noctua.api.SessionShapes.ExecutorsSummary;
import io.noctua.api.SessionShapes.GetSessionEndpointResponse;
import io.noctua.api.SessionShapes.GetSessionResponse;
import io.noctua.api.SessionShapes.GetSessionStatusResponse;
import io.noctua.api.SessionShapes.ListExecutorsRequest;
import io.noctua.api.SessionShapes.ListExecutorsResponse;
import io.noctua.api.SessionShapes.ListSessionsRequest;
import io.noctua.api.SessionShapes.ListSessionsResponse;
import io.noctua.api.SessionShapes.SessionIdRequest;
import io.noctua.api.SessionShapes.StartSessionRequest;
import io.noctua.api.SessionShapes.StartSessionResponse;
import io.noctua.api.SessionShapes.TerminateSessionResponse;
import io.noctua.api.SessionState;
import io.noctua.api.TooManyRequestsException;
import io.noctua.api.WorkGroupState;
import io.noctua.concurrent.Threads;
import io.noctua.engine.SparkExecutor;
import io.noctua.monitoring.MonitoringConfigurations;
import io.noctua.monitoring.SessionLog;
import io.noctua.monitoring.SessionLogs;
import io.noctua.tags.TagService;
import io.noctua.tags.TaggedResource;
import io.noctua.workgroup.EngineVersions;
import io.noctua.workgroup.WorkGroup;
import io.noctua.workgroup.WorkGroupService;
import io.noctua.workgroup.WorkGroupStore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * Athena's session operations: StartSession (with the server's limits, its tags and its logs), the reads,
 * TerminateSession, ListExecutors; and the sessions' start and end with the server. A live session's every change is
 * its {@link SessionMachine}'s.
 */
public final class SessionService {
    private static final Logger LOG = Logger.getLogger(SessionService.class.getName());
    public static final String ENGINE_VERSION = "PySpark engine version 3";
    private static final int DEFAULT_MAX_CONCURRENT_DPUS = 20;

    private final LiveSessions sessions;
    private final SessionStore store;
    private final WorkGroupStore workGroups;
    private final Engines engines;
    private final TagService tags;
    private final SessionLogs logs;
    private final Clock clock;
    private final Settings settings;
    private final ExecutorService creators = Executors.newCachedThreadPool(Threads.daemons("session-start"));
    private final Object admissions = new Object();

    /** The session settings of the server's configuration. */
    public record Settings(String defaultOutputLocation, int defaultIdleTimeoutMinutes, Duration minute, Limits limits) {
        public Settings {
            requireNonNull(defaultOutputLocation, "defaultOutputLocation is null");
            requireNonNull(minute, "minute is null");
            requireNonNull(limits, "limits is null");
        }
    }

    /**
     * How many sessions may be active (not ended) at once, on the server and in one workgroup, and how
     * many DPUs their MaxConcurrentDpus may add up to. Athena has such quotas per account; here they
     * keep one server's processes and memory in bounds.
     */
    public record Limits(int maxActive, int maxActivePerWorkGroup, int maxConcurrentDpus) {
    }

    public SessionService(LiveSessions sessions, WorkGroupStore workGroups, Engines engines, TagService tags, SessionLogs logs, Clock clock,
                          Settings settings) {
        this.sessions = requireNonNull(sessions, "sessions is null");
        this.store = sessions.store();
        this.workGroups = requireNonNull(workGroups, "workGroups is null");
        this.engines = requireNonNull(engines, "engines is null");
        this.tags = requireNonNull(tags, "tags is null");
        this.logs = requireNonNull(logs, "logs is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.settings = requireNonNull(settings, "settings is null");
    }

    // ---- operations

    public StartSessionResponse start(StartSessionRequest request) {
        WorkGroup workGroup = requireSparkWorkGroup(request.workGroup());
        if (workGroup.state() == WorkGroupState.DISABLED) {
            throw new InvalidRequestException("WorkGroup " + workGroup.name() + " is disabled.");
        }
        String fingerprint = Fingerprints.of(request, "ClientRequestToken");
        Map<String, String> ownTags = tags.checked(request.tags());
        MonitoringConfiguration monitoring = effectiveMonitoring(request, workGroup);
        EngineConfiguration engineConfiguration = withDefaults(request.engineConfiguration());
        if (engineConfiguration.sparkProperties() != null) {
            try {
                engines.checkSparkProperties(engineConfiguration.sparkProperties());
            }
            catch (IllegalArgumentException e) {
                throw new InvalidRequestException(e.getMessage());
            }
        }
        // one admission at a time, so that two calls cannot both take the last place under a limit
        synchronized (admissions) {
            if (request.clientRequestToken() != null) {
                Optional<Session> earlier = store.sessionByToken(request.clientRequestToken());
                if (earlier.isPresent()) {
                    return repeat(earlier.get(), fingerprint);
                }
            }
            admit(workGroup.name(), engineConfiguration.maxConcurrentDpus());
            Map<String, String> sessionTags = Boolean.TRUE.equals(request.copyWorkGroupTags())
                    ? tags.withCopies(tags.tagsOf(TaggedResource.workGroup(workGroup.name())), ownTags)
                    : ownTags;
            return create(request, workGroup, engineConfiguration, monitoring, sessionTags, fingerprint);
        }
    }

    /** Refuses a new session that would take the server past one of its {@link Limits}. */
    private void admit(String workGroup, int dpus) {
        Limits limits = settings.limits();
        int active = 0;
        int inWorkGroup = 0;
        int usedDpus = 0;
        for (SessionMachine machine : sessions.all()) {
            Session session = machine.session();
            active++;
            usedDpus += session.engineConfiguration().maxConcurrentDpus();
            if (session.workGroup().equals(workGroup)) {
                inWorkGroup++;
            }
        }
        if (active >= limits.maxActive()) {
            throw new TooManyRequestsException("Maximum allowed sessions (" + limits.maxActive() + ") reached: this server has "
                    + active + " active sessions (session.max-active). Terminate a session, or try again when one has ended.");
        }
        if (inWorkGroup >= limits.maxActivePerWorkGroup()) {
            throw new TooManyRequestsException("Maximum allowed sessions (" + limits.maxActivePerWorkGroup() + ") reached for workgroup "
                    + workGroup + " (session.max-active-per-workgroup). Terminate a session, or try again when one has ended.");
        }
        if (usedDpus + dpus > limits.maxConcurrentDpus()) {
            throw new TooManyRequestsException("Failed to provision the session due to required capacity not being available: the active "
                    + "sessions hold " + usedDpus + " of this server's " + limits.maxConcurrentDpus() + " DPUs (session.max-concurrent-dpus) "
                    + "and this session asks for " + dpus + " (MaxConcurrentDpus).");
        }
    }

    private StartSessionResponse repeat(Session earlier, String fingerprint) {
        if (!earlier.requestFingerprint().equals(fingerprint)) {
            throw new InvalidRequestException("Idempotent parameters do not match", "IDEMPOTENT_PARAMETER_MISMATCH");
        }
        return new StartSessionResponse(earlier.sessionId(), sessions.session(earlier.sessionId()).state());
    }

    private StartSessionResponse create(StartSessionRequest request, WorkGroup workGroup, EngineConfiguration engineConfiguration,
                                        MonitoringConfiguration monitoring, Map<String, String> sessionTags, String fingerprint) {
        Instant now = clock.instant();
        Session created = Session.builder()
                .sessionId(UUID.randomUUID().toString())
                .workGroup(workGroup.name())
                .description(request.description())
                .engineConfiguration(engineConfiguration)
                .notebookVersion(request.notebookVersion() == null ? WorkGroupService.NOTEBOOK_RUNTIME : request.notebookVersion())
                .executionRole(request.executionRole() != null ? request.executionRole() : workGroup.executionRole().orElse(null))
                .monitoringConfiguration(monitoring)
                .idleTimeoutMinutes(request.sessionIdleTimeoutInMinutes() == null
                        ? settings.defaultIdleTimeoutMinutes() : request.sessionIdleTimeoutInMinutes())
                .workingDirectory(workGroup.outputLocation().orElse(settings.defaultOutputLocation()))
                .state(SessionState.CREATING)
                .startDateTime(now)
                .lastModifiedDateTime(now)
                .clientRequestToken(request.clientRequestToken())
                .requestFingerprint(fingerprint)
                .build();
        SessionLog log = logs.open(created.sessionId(), workGroup.name(), monitoring);
        Optional<SessionMachine> added;
        try {
            added = sessions.add(created, log);
        }
        catch (RuntimeException e) {
            log.discard();
            throw e;
        }
        if (added.isEmpty()) { // another server stored a session with this token since the check: the call is a repeat
            log.discard();
            return repeat(store.sessionByToken(request.clientRequestToken())
                    .orElseThrow(() -> new IllegalStateException("session " + created.sessionId() + " could not be stored")), fingerprint);
        }
        SessionMachine machine = added.get();
        if (log.enabled()) {
            log.started("session " + created.sessionId() + " CREATING in workgroup " + workGroup.name() + " (StartSession): MaxConcurrentDpus "
                    + engineConfiguration.maxConcurrentDpus() + ", SessionIdleTimeoutInMinutes " + created.idleTimeoutMinutes());
        }
        try {
            tags.tagNew(TaggedResource.session(created.sessionId()), sessionTags);
        }
        catch (RuntimeException e) { // the session must not wait in CREATING for an engine it will never get
            machine.creationFailed("The session's tags could not be stored: " + e.getMessage());
            throw e;
        }
        creators.execute(() -> openEngine(machine));
        return new StartSessionResponse(created.sessionId(), created.state());
    }

    /**
     * The session's own MonitoringConfiguration over its workgroup's, member by member (MonitoringConfigurations). The
     * workgroup's is checked too: it may have been stored before its rules were.
     */
    private static MonitoringConfiguration effectiveMonitoring(StartSessionRequest request, WorkGroup workGroup) {
        MonitoringConfigurations.check(request.monitoringConfiguration(), "MonitoringConfiguration");
        MonitoringConfiguration effective = MonitoringConfigurations.effective(request.monitoringConfiguration(),
                workGroup.monitoringConfiguration());
        MonitoringConfigurations.check(effective, "The Configuration.MonitoringConfiguration of workgroup " + workGroup.name());
        return effective;
    }

    private void openEngine(SessionMachine machine) {
        Session session = machine.session();
        try {
            Map<String, String> properties = session.engineConfiguration().sparkProperties() == null
                    ? Map.of() : session.engineConfiguration().sparkProperties();
            machine.engineReady(engines.open(session.sessionId(), properties, session.engineConfiguration().maxConcurrentDpus()));
        }
        catch (Exception e) { // Spark may throw checked exceptions undeclared
            LOG.log(Level.WARNING, "session " + session.sessionId() + " could not start", e);
            machine.creationFailed("The session could not start: " + e.getMessage());
        }
        machine.log().flush();
    }

    public GetSessionResponse get(SessionIdRequest request) {
        return SessionViews.session(sessions.session(request.sessionId()));
    }

    /**
     * Athena gives Spark Connect endpoints to sessions of its "Apache Spark version 3.5" engine only. Every Noctua
     * session runs PySpark engine version 3 (Spark Connect's server for Spark 3.5 is not on Maven Central), so each is
     * refused, as Athena refuses one of that engine; an unknown session gets the error GetSession gives.
     */
    public GetSessionEndpointResponse endpoint(SessionIdRequest request) {
        Session session = sessions.session(request.sessionId());
        throw new InvalidRequestException("Session " + session.sessionId() + " runs on " + EngineVersions.PYSPARK_3
                + ", which has no Spark Connect endpoint: GetSessionEndpoint needs a session of an \"Apache Spark version 3.5\""
                + " engine, and Noctua does not run that engine.");
    }

    public GetSessionStatusResponse status(SessionIdRequest request) {
        Session session = sessions.session(request.sessionId());
        return new GetSessionStatusResponse(session.sessionId(), SessionViews.status(session));
    }

    public ListSessionsResponse list(ListSessionsRequest request) {
        requireSparkWorkGroup(request.workGroup());
        int limit = request.maxResults() == null ? 100 : request.maxResults();
        Long cursor = PageTokens.decodeLong("sessions:" + request.workGroup(), request.nextToken());
        Page<Session> page = store.sessions(request.workGroup(), request.stateFilter(), cursor, limit);
        return new ListSessionsResponse(
                page.nextCursor().map(next -> PageTokens.encode("sessions:" + request.workGroup(), Long.toString(next))).orElse(null),
                page.items().stream().map(s -> SessionViews.summary(sessions.freshest(s))).toList());
    }

    public TerminateSessionResponse terminate(SessionIdRequest request) {
        Optional<SessionMachine> machine = sessions.machine(request.sessionId());
        if (machine.isEmpty()) {
            return new TerminateSessionResponse(sessions.session(request.sessionId()).state());
        }
        return new TerminateSessionResponse(machine.get().terminate("Terminated by TerminateSession", false));
    }

    public ListExecutorsResponse listExecutors(ListExecutorsRequest request) {
        Session session = sessions.session(request.sessionId());
        List<ExecutorsSummary> executors = new ArrayList<>();
        for (SparkExecutor executor : engines.executors()) {
            ExecutorsSummary summary = executorSummary(session, executor);
            if (summary != null && (request.executorStateFilter() == null || request.executorStateFilter() == summary.executorState())) {
                executors.add(summary);
            }
        }
        executors.sort(Comparator.comparing(ExecutorsSummary::startDateTime).reversed().thenComparing(ExecutorsSummary::executorId));
        int limit = request.maxResults() == null ? 100 : request.maxResults();
        Long from = PageTokens.decodeLong("executors:" + session.sessionId(), request.nextToken());
        int start = from == null ? 0 : (int) Math.min(executors.size(), Math.max(0, from));
        int end = Math.min(executors.size(), start + limit);
        String next = end < executors.size() ? PageTokens.encode("executors:" + session.sessionId(), Integer.toString(end)) : null;
        return new ListExecutorsResponse(session.sessionId(), next, executors.subList(start, end));
    }

    /**
     * The Spark driver is the session's COORDINATOR; every other executor Spark registered during the
     * session's life is a WORKER (in local mode the driver runs the tasks itself): REGISTERED while it runs,
     * TERMINATED once removed or the session ended, FAILED if Spark lost it. Each is 1 DPU.
     */
    private static ExecutorsSummary executorSummary(Session session, SparkExecutor executor) {
        Instant sessionEnd = session.endDateTime();
        if (executor.driver()) {
            return new ExecutorsSummary(executor.executorId(), ExecutorType.COORDINATOR, session.startDateTime().toEpochMilli(),
                    sessionEnd == null ? null : sessionEnd.toEpochMilli(),
                    sessionEnd == null ? ExecutorState.REGISTERED : ExecutorState.TERMINATED, 1L);
        }
        if (sessionEnd != null && executor.added().isAfter(sessionEnd)) {
            return null;
        }
        if (executor.removed().isPresent() && executor.removed().get().isBefore(session.startDateTime())) {
            return null;
        }
        Optional<Instant> terminated = executor.removed().or(() -> Optional.ofNullable(sessionEnd));
        return new ExecutorsSummary(executor.executorId(), ExecutorType.WORKER, executor.added().toEpochMilli(),
                terminated.map(Instant::toEpochMilli).orElse(null),
                executor.removed().isPresent() && executor.lost() ? ExecutorState.FAILED
                        : terminated.isPresent() ? ExecutorState.TERMINATED : ExecutorState.REGISTERED, 1L);
    }

    // ---- the lifecycle

    /** The newest sessions of a workgroup, as they are now (for %list_sessions). */
    public List<Session> recentOfWorkGroup(String workGroup, int limit) {
        return store.sessions(workGroup, null, null, limit).items().stream().map(sessions::freshest).toList();
    }

    /** Terminates every live session of a workgroup (before it is deleted). */
    public void terminateAll(String workGroup) {
        for (SessionMachine machine : sessions.all()) {
            if (machine.session().workGroup().equals(workGroup)) {
                machine.terminate("The workgroup " + workGroup + " was deleted", false);
            }
        }
    }

    /**
     * Ends the sessions the store shows as live on the server {@code serverId}, which stopped without
     * ending them: this server's previous run at its start (killed, or the machine went down), or
     * another server whose lease expired. Their Spark state is gone with that server's driver.
     */
    public int endSessionsOf(String serverId, String reason) {
        int ended = 0;
        for (Session session : store.unendedSessions(serverId)) {
            Session terminated = session.transition(SessionState.TERMINATED, reason, clock.instant());
            if (store.write(SessionStore.Change.session(terminated, session.state()))) {
                ended++;
            }
        }
        return ended;
    }

    /**
     * After this server's lease lapsed: the sessions another server ended in the store meanwhile are
     * ended here too, as the store has them; the others go on.
     */
    public void adoptSessionsEndedElsewhere() {
        for (SessionMachine machine : sessions.all()) {
            Optional<Session> stored = store.session(machine.sessionId());
            if (stored.isPresent() && stored.get().state().isTerminal()) {
                CalculationExecution storedCalculation = machine.runningCalculation()
                        .flatMap(running -> store.calculation(running.calculationExecutionId()))
                        .orElse(null);
                LOG.warning("session " + machine.sessionId() + " was ended by another server while this server's lease had lapsed: "
                        + stored.get().stateChangeReason());
                machine.endedElsewhere(stored.get(), storedCalculation);
            }
        }
    }

    /** Terminates every live session, for a server shutdown (recorded even if the store fails meanwhile). */
    public void terminateAllForShutdown() {
        for (SessionMachine machine : sessions.all()) {
            try {
                machine.terminate("The Noctua server was shut down", true);
            }
            catch (RuntimeException e) {
                LOG.log(Level.WARNING, "session " + machine.sessionId() + " could not be terminated at shutdown", e);
            }
        }
        creators.shutdownNow();
    }

    private WorkGroup requireSparkWorkGroup(String name) {
        WorkGroup workGroup = workGroups.get(name).orElseThrow(WorkGroupService::notFound);
        if (!workGroup.isSpark()) {
            throw new InvalidRequestException("WorkGroup " + name + " does not run Apache Spark: sessions and calculations need a workgroup whose "
                    + "engine is '" + ENGINE_VERSION + "' (it is '" + workGroup.effectiveEngineVersion() + "')");
        }
        return workGroup;
    }

    private static EngineConfiguration withDefaults(EngineConfiguration given) {
        return new EngineConfiguration(
                given.coordinatorDpuSize() == null ? 1 : given.coordinatorDpuSize(),
                given.maxConcurrentDpus() == null ? DEFAULT_MAX_CONCURRENT_DPUS : given.maxConcurrentDpus(),
                given.defaultExecutorDpuSize() == null ? 1 : given.defaultExecutorDpuSize(),
                given.additionalConfigs(), given.sparkProperties(), given.classifications());
    }
}
