package io.noctua.calculation;

import io.noctua.api.CalculationExecutionState;
import io.noctua.api.CalculationShapes.CalculationIdRequest;
import io.noctua.api.CalculationShapes.GetCalculationExecutionCodeResponse;
import io.noctua.api.CalculationShapes.GetCalculationExecutionResponse;
import io.noctua.api.CalculationShapes.GetCalculationExecutionStatusResponse;
import io.noctua.api.CalculationShapes.ListCalculationExecutionsRequest;
import io.noctua.api.CalculationShapes.ListCalculationExecutionsResponse;
import io.noctua.api.CalculationShapes.StartCalculationExecutionRequest;
import io.noctua.api.CalculationShapes.StartCalculationExecutionResponse;
import io.noctua.api.CalculationShapes.StopCalculationExecutionResponse;
import io.noctua.api.InvalidRequestException;
import io.noctua.api.PageTokens;
import io.noctua.api.StateCounts;
import io.noctua.engine.EngineSession;
import io.noctua.engine.SparkEngine;
import io.noctua.results.ResultStore;
import io.noctua.session.Fingerprints;
import io.noctua.session.LiveSession;
import io.noctua.session.Session;
import io.noctua.session.SessionService;
import io.noctua.store.CalculationStore;
import io.noctua.store.Page;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/** Athena's calculation operations: start one on an IDLE session, watch it, read it, stop it. */
public final class CalculationService {
    private static final Logger LOG = Logger.getLogger(CalculationService.class.getName());

    private final CalculationStore store;
    private final SessionService sessions;
    private final SparkEngine engine;
    private final CalculationRunner runner;
    private final Clock clock;
    private final Duration stopGrace;
    private final Map<String, RunningCalculation> running = new ConcurrentHashMap<>();
    private final StateCounts<CalculationExecutionState> ended = new StateCounts<>(CalculationExecutionState.class);
    private final FinishedCalculations finished = new FinishedCalculations(10_000);
    private final ExecutorService runners = Executors.newCachedThreadPool(SessionService.daemon("calculation"));
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(SessionService.daemon("calculation-timer"));

    public CalculationService(CalculationStore store, SessionService sessions, SparkEngine engine, ResultStore results,
                              Clock clock, Duration stopGrace) {
        this.store = requireNonNull(store, "store is null");
        this.sessions = requireNonNull(sessions, "sessions is null");
        this.engine = requireNonNull(engine, "engine is null");
        this.runner = new CalculationRunner(new CalculationOutputs(results), session -> sessions.recentOfWorkGroup(session.workGroup(), 100));
        this.clock = requireNonNull(clock, "clock is null");
        this.stopGrace = requireNonNull(stopGrace, "stopGrace is null");
    }

    public StartCalculationExecutionResponse start(StartCalculationExecutionRequest request) {
        String code = codeOf(request);
        String fingerprint = Fingerprints.of(request, "ClientRequestToken");
        if (request.clientRequestToken() == null) {
            return create(request, sessions.requireLive(request.sessionId()), code, fingerprint);
        }
        synchronized (this) {
            // a repeat answers with the first calculation, even once its session has ended
            Optional<CalculationExecution> earlier = store.findByClientRequestToken(request.sessionId(), request.clientRequestToken());
            if (earlier.isEmpty()) {
                return create(request, sessions.requireLive(request.sessionId()), code, fingerprint);
            }
            if (!earlier.get().requestFingerprint().equals(fingerprint)) {
                throw new InvalidRequestException("Idempotent parameters do not match", "IDEMPOTENT_PARAMETER_MISMATCH");
            }
            CalculationExecution current = current(earlier.get().calculationExecutionId());
            return new StartCalculationExecutionResponse(current.calculationExecutionId(), current.state());
        }
    }

    private static String codeOf(StartCalculationExecutionRequest request) {
        String deprecated = request.calculationConfiguration() == null ? null : request.calculationConfiguration().codeBlock();
        if (request.codeBlock() != null && deprecated != null) {
            throw new InvalidRequestException("CodeBlock and CalculationConfiguration.CodeBlock cannot both be set; use CodeBlock");
        }
        String code = request.codeBlock() != null ? request.codeBlock() : deprecated;
        if (code == null) {
            throw new InvalidRequestException("codeBlock is null or empty");
        }
        return code;
    }

    private StartCalculationExecutionResponse create(StartCalculationExecutionRequest request, LiveSession session, String code,
                                                     String fingerprint) {
        Session owner = session.record();
        Instant now = clock.instant();
        CalculationExecution calculation = new CalculationExecution(UUID.randomUUID().toString(), owner.sessionId(),
                request.description(), owner.workingDirectory(), CalculationExecutionState.CREATING, null, now, null, 0,
                "0% (waiting to start)", null, null, null, null, request.clientRequestToken(), fingerprint);
        EngineSession engineSession = session.engine();
        String id = calculation.calculationExecutionId();
        RunningCalculation handle = new RunningCalculation(calculation, store, clock,
                () -> {
                    engine.cancelJobGroup(id);
                    // a cell waiting on a Spark job returns when the job is cancelled; SIGINT is for the
                    // pure-Python ones, sent a little later so that it does not land inside a Py4J call
                    timer.schedule(() -> engineSession.interruptPython(id), 250, TimeUnit.MILLISECONDS);
                },
                () -> engineSession.killRunningPython(id), timer, stopGrace);
        session.accept(handle, () -> {
            store.insert(calculation, code);
            running.put(calculation.calculationExecutionId(), handle);
        });
        runners.execute(() -> {
            try {
                runner.run(handle, session, code);
            }
            catch (Exception | Error e) {
                LOG.log(Level.SEVERE, "calculation " + calculation.calculationExecutionId() + " could not be finished", e);
            }
            finally {
                CalculationExecution last = handle.record();
                if (last.state().isTerminal()) {
                    finished.add(last);
                    ended.ended(last.state());
                }
                running.remove(calculation.calculationExecutionId());
            }
        });
        return new StartCalculationExecutionResponse(calculation.calculationExecutionId(), calculation.state());
    }

    /** The calculations that have not ended, by state. */
    public Map<CalculationExecutionState, Integer> activeByState() {
        return StateCounts.byState(CalculationExecutionState.class, running.values(), handle -> handle.record().state());
    }

    /** How many calculations ended in each final state since the server started. */
    public Map<CalculationExecutionState, Long> endedSinceStart() {
        return ended.snapshot();
    }

    public GetCalculationExecutionResponse get(CalculationIdRequest request) {
        CalculationExecution c = current(request.calculationExecutionId());
        return new GetCalculationExecutionResponse(c.calculationExecutionId(), c.sessionId(), c.description(), c.workingDirectory(),
                CalculationViews.status(c), CalculationViews.statistics(c), CalculationViews.result(c));
    }

    public GetCalculationExecutionStatusResponse status(CalculationIdRequest request) {
        CalculationExecution c = current(request.calculationExecutionId());
        return new GetCalculationExecutionStatusResponse(CalculationViews.status(c), CalculationViews.statistics(c));
    }

    public GetCalculationExecutionCodeResponse code(CalculationIdRequest request) {
        return new GetCalculationExecutionCodeResponse(store.code(request.calculationExecutionId())
                .orElseThrow(() -> notFound(request.calculationExecutionId())));
    }

    public ListCalculationExecutionsResponse list(ListCalculationExecutionsRequest request) {
        Session session = sessions.current(request.sessionId());
        int limit = request.maxResults() == null ? 100 : request.maxResults();
        String listing = "calculations:" + session.sessionId();
        Long cursor = PageTokens.decodeLong(listing, request.nextToken());
        Page<CalculationExecution> page = store.list(session.sessionId(), request.stateFilter(), cursor, limit);
        String next = page.nextCursor().map(c -> PageTokens.encode(listing, Long.toString(c))).orElse(null);
        return new ListCalculationExecutionsResponse(next, page.items().stream()
                .map(c -> CalculationViews.summary(freshest(c)))
                .toList());
    }

    public StopCalculationExecutionResponse stop(CalculationIdRequest request) {
        RunningCalculation handle = running.get(request.calculationExecutionId());
        if (handle == null) {
            return new StopCalculationExecutionResponse(stored(request.calculationExecutionId()).state());
        }
        handle.cancel("Stopped by StopCalculationExecution");
        return new StopCalculationExecutionResponse(handle.record().state());
    }

    /** At start: calculations the store shows as unfinished belonged to a server that stopped under them. */
    public int endCalculationsOfPreviousRun() {
        int ended = 0;
        for (CalculationExecution calculation : store.listNotTerminal()) {
            CalculationExecutionState state = calculation.state() == CalculationExecutionState.CANCELING
                    ? CalculationExecutionState.CANCELED : CalculationExecutionState.FAILED;
            CalculationExecution ended1 = calculation.transition(state,
                    "The Noctua server stopped while the calculation was running", clock.instant());
            if (store.update(ended1, calculation.state())) {
                ended++;
            }
        }
        return ended;
    }

    /** Waits up to {@code timeout} for running calculations to end; returns how many still run. */
    public int awaitIdle(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!running.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return running.size();
    }

    public void close() {
        runners.shutdownNow();
        timer.shutdownNow();
    }

    private CalculationExecution current(String calculationExecutionId) {
        RunningCalculation handle = running.get(calculationExecutionId);
        return handle != null ? handle.snapshot() : stored(calculationExecutionId);
    }

    private CalculationExecution freshest(CalculationExecution stored) {
        RunningCalculation handle = running.get(stored.calculationExecutionId());
        return handle != null ? handle.snapshot() : stored;
    }

    /** A finished calculation never changes: recent ones are answered from memory, older ones from the store. */
    private CalculationExecution stored(String calculationExecutionId) {
        CalculationExecution recent = finished.get(calculationExecutionId);
        if (recent != null) {
            return recent;
        }
        return store.get(calculationExecutionId).orElseThrow(() -> notFound(calculationExecutionId));
    }

    /** Drops the finished calculations kept in memory (their records are about to be deleted). */
    public void forgetFinished() {
        finished.clear();
    }

    private static InvalidRequestException notFound(String calculationExecutionId) {
        return new InvalidRequestException("Calculation " + calculationExecutionId + " is not found.");
    }
}
