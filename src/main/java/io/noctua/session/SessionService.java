package io.noctua.session;

import io.noctua.api.ExecutorState;
import io.noctua.api.ExecutorType;
import io.noctua.api.InvalidRequestException;
import io.noctua.api.PageTokens;
import io.noctua.api.SessionShapes.EngineConfiguration;
import io.noctua.api.SessionShapes.ExecutorsSummary;
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
import io.noctua.api.StateCounts;
import io.noctua.api.TooManyRequestsException;
import io.noctua.api.WorkGroupState;
import io.noctua.engine.EngineSession;
import io.noctua.engine.SparkEngine;
import io.noctua.engine.SparkExecutor;
import io.noctua.engine.python.PythonWorkers;
import io.noctua.store.Page;
import io.noctua.store.SessionStore;
import io.noctua.store.WorkGroupStore;
import io.noctua.workgroup.WorkGroup;
import io.noctua.workgroup.WorkGroupService;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/** Athena's session operations and the lives of sessions: start, idle timeout, terminate, restart. */
public final class SessionService {
    private static final Logger LOG = Logger.getLogger(SessionService.class.getName());
    public static final String ENGINE_VERSION = "PySpark engine version 3";
    private static final int DEFAULT_MAX_CONCURRENT_DPUS = 20;

    private final SessionStore store;
    private final WorkGroupStore workGroups;
    private final SparkEngine engine;
    private final PythonWorkers pythonWorkers;
    private final Clock clock;
    private final Settings settings;
    private final Map<String, LiveSession> live = new ConcurrentHashMap<>();
    private final ExecutorService creators = Executors.newCachedThreadPool(daemon("session-start"));
    private final Object admissions = new Object();
    private final StateCounts<SessionState> ended = new StateCounts<>(SessionState.class);

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

    public SessionService(SessionStore store, WorkGroupStore workGroups, SparkEngine engine, PythonWorkers pythonWorkers,
                          Clock clock, Settings settings) {
        this.store = requireNonNull(store, "store is null");
        this.workGroups = requireNonNull(workGroups, "workGroups is null");
        this.engine = requireNonNull(engine, "engine is null");
        this.pythonWorkers = requireNonNull(pythonWorkers, "pythonWorkers is null");
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
        EngineConfiguration engineConfiguration = withDefaults(request.engineConfiguration());
        // one admission at a time, so that two calls cannot both take the last place under a limit
        synchronized (admissions) {
            if (request.clientRequestToken() != null) {
                Optional<Session> earlier = store.findByClientRequestToken(request.clientRequestToken());
                if (earlier.isPresent()) {
                    return repeat(earlier.get(), fingerprint);
                }
            }
            admit(workGroup.name(), engineConfiguration.maxConcurrentDpus());
            return create(request, workGroup, engineConfiguration, fingerprint);
        }
    }

    /** Refuses a new session that would take the server past one of its {@link Limits}. */
    private void admit(String workGroup, int dpus) {
        Limits limits = settings.limits();
        int active = 0;
        int inWorkGroup = 0;
        int usedDpus = 0;
        for (LiveSession liveSession : live.values()) {
            Session session = liveSession.record();
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
        return new StartSessionResponse(earlier.sessionId(), current(earlier.sessionId()).state());
    }

    private StartSessionResponse create(StartSessionRequest request, WorkGroup workGroup, EngineConfiguration engineConfiguration,
                                        String fingerprint) {
        Instant now = clock.instant();
        Session session = new Session(UUID.randomUUID().toString(), workGroup.name(), request.description(),
                engineConfiguration,
                request.notebookVersion() == null ? WorkGroupService.NOTEBOOK_RUNTIME : request.notebookVersion(),
                request.executionRole() != null ? request.executionRole() : workGroup.executionRole().orElse(null),
                request.sessionIdleTimeoutInMinutes() == null ? settings.defaultIdleTimeoutMinutes() : request.sessionIdleTimeoutInMinutes(),
                workGroup.outputLocation().orElse(settings.defaultOutputLocation()),
                SessionState.CREATING, null, now, now, null, null, 0, request.clientRequestToken(), fingerprint);
        LiveSession liveSession = new LiveSession(session, store, clock, this::ended);
        store.insert(session);
        live.put(session.sessionId(), liveSession);
        creators.execute(() -> createEngineSession(liveSession));
        return new StartSessionResponse(session.sessionId(), session.state());
    }

    private void ended(LiveSession liveSession) {
        live.remove(liveSession.sessionId());
        ended.ended(liveSession.record().state());
    }

    /** The sessions that have not ended, by state. */
    public Map<SessionState, Integer> activeByState() {
        return StateCounts.byState(SessionState.class, live.values(), liveSession -> liveSession.record().state());
    }

    /** How many sessions ended in each final state since the server started. */
    public Map<SessionState, Long> endedSinceStart() {
        return ended.snapshot();
    }

    private void createEngineSession(LiveSession liveSession) {
        Session session = liveSession.record();
        try {
            Map<String, String> properties = session.engineConfiguration().sparkProperties() == null
                    ? Map.of() : session.engineConfiguration().sparkProperties();
            EngineSession engineSession = engine.newSession(session.sessionId(), properties, pythonWorkers);
            liveSession.engineReady(engineSession);
        }
        catch (Exception e) { // Spark may throw checked exceptions undeclared
            LOG.log(Level.WARNING, "session " + session.sessionId() + " could not start", e);
            liveSession.creationFailed("The session could not start: " + e.getMessage());
        }
    }

    public GetSessionResponse get(SessionIdRequest request) {
        return SessionViews.session(current(request.sessionId()));
    }

    public GetSessionStatusResponse status(SessionIdRequest request) {
        Session session = current(request.sessionId());
        return new GetSessionStatusResponse(session.sessionId(), SessionViews.status(session));
    }

    public ListSessionsResponse list(ListSessionsRequest request) {
        requireSparkWorkGroup(request.workGroup());
        int limit = request.maxResults() == null ? 100 : request.maxResults();
        Long cursor = PageTokens.decodeLong("sessions:" + request.workGroup(), request.nextToken());
        Page<Session> page = store.list(request.workGroup(), request.stateFilter(), cursor, limit);
        return new ListSessionsResponse(
                page.nextCursor().map(next -> PageTokens.encode("sessions:" + request.workGroup(), Long.toString(next))).orElse(null),
                page.items().stream().map(s -> SessionViews.summary(freshest(s))).toList());
    }

    public TerminateSessionResponse terminate(SessionIdRequest request) {
        LiveSession liveSession = live.get(request.sessionId());
        if (liveSession == null) {
            return new TerminateSessionResponse(stored(request.sessionId()).state());
        }
        return new TerminateSessionResponse(liveSession.terminate("Terminated by TerminateSession"));
    }

    public ListExecutorsResponse listExecutors(ListExecutorsRequest request) {
        Session session = current(request.sessionId());
        List<ExecutorsSummary> executors = new ArrayList<>();
        for (SparkExecutor executor : engine.executors()) {
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
     * session's life is a WORKER (in local mode the driver runs the tasks itself). Each is 1 DPU.
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
                terminated.isPresent() ? ExecutorState.TERMINATED : ExecutorState.REGISTERED, 1L);
    }

    // ---- for the calculation service and the lifecycle

    /** The newest sessions of a workgroup, as they are now. */
    public List<Session> recentOfWorkGroup(String workGroup, int limit) {
        return store.list(workGroup, null, null, limit).items().stream().map(this::freshest).toList();
    }

    /** The live session, or the Athena error a calculation on {@code sessionId} gets. */
    public LiveSession requireLive(String sessionId) {
        LiveSession liveSession = live.get(sessionId);
        if (liveSession == null) {
            throw LiveSession.notIdle(stored(sessionId).state());
        }
        return liveSession;
    }

    /** The session's current record: from memory while it lives, else from the store. */
    public Session current(String sessionId) {
        LiveSession liveSession = live.get(sessionId);
        return liveSession != null ? liveSession.record() : stored(sessionId);
    }

    private Session freshest(Session stored) {
        LiveSession liveSession = live.get(stored.sessionId());
        return liveSession != null ? liveSession.record() : stored;
    }

    private Session stored(String sessionId) {
        return store.get(sessionId).orElseThrow(() -> notFound(sessionId));
    }

    public static InvalidRequestException notFound(String sessionId) {
        return new InvalidRequestException("Session " + sessionId + " is not found.");
    }

    /** Terminates every live session of a workgroup (before it is deleted). */
    public void terminateAll(String workGroup) {
        for (LiveSession liveSession : List.copyOf(live.values())) {
            if (liveSession.record().workGroup().equals(workGroup)) {
                liveSession.terminate("The workgroup " + workGroup + " was deleted");
            }
        }
    }

    /** Ends the sessions idle for longer than their SessionIdleTimeoutInMinutes. */
    public void terminateIdleSessions() {
        for (LiveSession liveSession : List.copyOf(live.values())) {
            if (liveSession.idleLongerThan(settings.minute())) {
                int minutes = liveSession.record().idleTimeoutMinutes();
                liveSession.terminate("Session was idle for more than its timeout of " + minutes + (minutes == 1 ? " minute" : " minutes"));
            }
        }
    }

    /**
     * At start: sessions the store shows as live belonged to a server that stopped without ending
     * them (killed, or the machine went down); their Spark state is gone, so they are ended.
     */
    public int endSessionsOfPreviousRun() {
        int ended = 0;
        for (Session session : store.listNotTerminal()) {
            Session terminated = session.transition(SessionState.TERMINATED,
                    "The Noctua server stopped while the session was active; sessions do not survive a restart", clock.instant());
            if (store.update(terminated, session.state())) {
                ended++;
            }
        }
        return ended;
    }

    /** Terminates every live session, for a server shutdown; returns the sessions still ending. */
    public List<LiveSession> terminateAllForShutdown() {
        for (LiveSession liveSession : List.copyOf(live.values())) {
            liveSession.terminate("The Noctua server was shut down");
        }
        creators.shutdownNow();
        return List.copyOf(live.values());
    }

    public int liveCount() {
        return live.size();
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

    public static java.util.concurrent.ThreadFactory daemon(String name) {
        java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
