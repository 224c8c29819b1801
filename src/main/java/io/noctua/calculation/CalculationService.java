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
import io.noctua.concurrent.Threads;
import io.noctua.results.ResultStore;
import io.noctua.session.CalculationExecution;
import io.noctua.session.Fingerprints;
import io.noctua.session.LiveSessions;
import io.noctua.session.Page;
import io.noctua.session.Session;
import io.noctua.session.SessionMachine;
import io.noctua.session.SessionStore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * Athena's calculation operations. A calculation is accepted, stopped and ended by its session's
 * {@link SessionMachine}; this service finds the machine, and runs each accepted calculation on a
 * thread of its own ({@link CalculationRunner}).
 */
public final class CalculationService {
    private final LiveSessions sessions;
    private final SessionStore store;
    private final CalculationRunner runner;
    private final Clock clock;
    private final ExecutorService runners = Executors.newCachedThreadPool(Threads.daemons("calculation"));
    private final AtomicInteger running = new AtomicInteger();
    private final Object tokens = new Object();

    /** @param sessionsOfWorkGroup the sessions %list_sessions shows for a session's workgroup */
    public CalculationService(LiveSessions sessions, ResultStore results, Function<Session, List<Session>> sessionsOfWorkGroup,
                              Clock clock) {
        this.sessions = requireNonNull(sessions, "sessions is null");
        this.store = sessions.store();
        this.runner = new CalculationRunner(new CalculationOutputs(results), sessionsOfWorkGroup);
        this.clock = requireNonNull(clock, "clock is null");
    }

    public StartCalculationExecutionResponse start(StartCalculationExecutionRequest request) {
        String code = codeOf(request);
        String fingerprint = Fingerprints.of(request, "ClientRequestToken");
        if (request.clientRequestToken() == null) {
            return create(request, code, fingerprint);
        }
        synchronized (tokens) {
            // a repeat answers with the first calculation, even once its session has ended
            Optional<CalculationExecution> earlier = store.calculationByToken(request.sessionId(), request.clientRequestToken());
            if (earlier.isEmpty()) {
                return create(request, code, fingerprint);
            }
            if (!earlier.get().requestFingerprint().equals(fingerprint)) {
                throw new InvalidRequestException("Idempotent parameters do not match", "IDEMPOTENT_PARAMETER_MISMATCH");
            }
            CalculationExecution current = sessions.calculation(earlier.get().calculationExecutionId());
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

    private StartCalculationExecutionResponse create(StartCalculationExecutionRequest request, String code, String fingerprint) {
        SessionMachine machine = sessions.requireLive(request.sessionId());
        Instant now = clock.instant();
        CalculationExecution created = CalculationExecution.builder()
                .calculationExecutionId(UUID.randomUUID().toString())
                .sessionId(machine.sessionId())
                .description(request.description())
                .workingDirectory(machine.session().workingDirectory())
                .state(CalculationExecutionState.CREATING)
                .submissionDateTime(now)
                .progress("0% (waiting to start)")
                .clientRequestToken(request.clientRequestToken())
                .requestFingerprint(fingerprint)
                .build();
        machine.accept(created, code);
        running.incrementAndGet();
        runners.execute(() -> {
            try {
                runner.run(machine, created, code);
            }
            finally {
                running.decrementAndGet();
            }
        });
        return new StartCalculationExecutionResponse(created.calculationExecutionId(), created.state());
    }

    public GetCalculationExecutionResponse get(CalculationIdRequest request) {
        CalculationExecution c = sessions.calculation(request.calculationExecutionId());
        return new GetCalculationExecutionResponse(c.calculationExecutionId(), c.sessionId(), c.description(), c.workingDirectory(),
                CalculationViews.status(c), CalculationViews.statistics(c), CalculationViews.result(c));
    }

    public GetCalculationExecutionStatusResponse status(CalculationIdRequest request) {
        CalculationExecution c = sessions.calculation(request.calculationExecutionId());
        return new GetCalculationExecutionStatusResponse(CalculationViews.status(c), CalculationViews.statistics(c));
    }

    public GetCalculationExecutionCodeResponse code(CalculationIdRequest request) {
        return new GetCalculationExecutionCodeResponse(store.code(request.calculationExecutionId())
                .orElseThrow(() -> new InvalidRequestException("Calculation " + request.calculationExecutionId() + " is not found.")));
    }

    public ListCalculationExecutionsResponse list(ListCalculationExecutionsRequest request) {
        Session session = sessions.session(request.sessionId());
        int limit = request.maxResults() == null ? 100 : request.maxResults();
        String listing = "calculations:" + session.sessionId();
        Long cursor = PageTokens.decodeLong(listing, request.nextToken());
        Page<CalculationExecution> page = store.calculations(session.sessionId(), request.stateFilter(), cursor, limit);
        String next = page.nextCursor().map(c -> PageTokens.encode(listing, Long.toString(c))).orElse(null);
        return new ListCalculationExecutionsResponse(next, page.items().stream()
                .map(c -> CalculationViews.summary(sessions.freshest(c)))
                .toList());
    }

    public StopCalculationExecutionResponse stop(CalculationIdRequest request) {
        String id = request.calculationExecutionId();
        Optional<CalculationExecutionState> stopped = sessions.machineOfCalculation(id)
                .flatMap(machine -> machine.stop(id, "Stopped by StopCalculationExecution"));
        return new StopCalculationExecutionResponse(stopped.orElseGet(() -> sessions.calculation(id).state()));
    }

    /**
     * Ends the calculations the store shows as unfinished in sessions of the server {@code serverId},
     * which stopped under them: this server's previous run, or another server whose lease expired.
     */
    public int endCalculationsOf(String serverId, String reason) {
        int ended = 0;
        for (CalculationExecution calculation : store.unendedCalculations(serverId)) {
            CalculationExecutionState state = calculation.state() == CalculationExecutionState.CANCELING
                    ? CalculationExecutionState.CANCELED : CalculationExecutionState.FAILED;
            CalculationExecution last = calculation.transition(state, reason, clock.instant());
            if (store.write(SessionStore.Change.calculation(last, calculation.state()))) {
                ended++;
            }
        }
        return ended;
    }

    /** Waits up to {@code timeout} for running calculations to end; returns how many still run. */
    public int awaitIdle(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (running.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return running.get();
    }

    public void close() {
        runners.shutdownNow();
    }
}
