package io.noctua.calculation;

import io.noctua.NoctuaServer;
import io.noctua.api.AthenaException;
import io.noctua.api.CalculationExecutionState;
import io.noctua.api.CalculationShapes.CalculationIdRequest;
import io.noctua.api.CalculationShapes.StartCalculationExecutionRequest;
import io.noctua.api.InvalidRequestException;
import io.noctua.api.SessionShapes.EngineConfiguration;
import io.noctua.api.SessionShapes.SessionIdRequest;
import io.noctua.api.SessionShapes.StartSessionRequest;
import io.noctua.api.SessionState;
import io.noctua.engine.python.PythonWorkerException;
import io.noctua.monitoring.SessionLogs;
import io.noctua.session.CalculationExecution;
import io.noctua.session.LiveSessions;
import io.noctua.session.Session;
import io.noctua.session.SessionService;
import io.noctua.session.SessionStore;
import io.noctua.store.StoreException;
import io.noctua.tags.TagService;
import io.noctua.testing.fakes.FakeEngine;
import io.noctua.testing.fakes.InMemoryResultStore;
import io.noctua.testing.fakes.InMemorySessionStore;
import io.noctua.testing.fakes.InMemoryTagStore;
import io.noctua.testing.fakes.InMemoryWorkGroupStore;
import io.noctua.testing.fakes.TestClock;
import io.noctua.workgroup.WorkGroupService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The sessions' and calculations' machinery without Spark: an in-memory store that can fail on
 * demand, a fake engine and result store that hold a calculation at any step. Each test puts an
 * event in one of the windows where two things meet (a stop and the end of a calculation, a
 * termination and a start, the idle timeout and a start, a dying worker, a failing store) and checks
 * the final states and reasons, that the session takes the next calculation, and that no call
 * failed with anything but an Athena error a client expects.
 */
class SessionLifecycleTest {
    private static final Duration STOP_GRACE = Duration.ofMillis(300);

    private final InMemorySessionStore store = new InMemorySessionStore();
    private final FakeEngine engine = new FakeEngine();
    private final InMemoryResultStore results = new InMemoryResultStore();
    private final TestClock clock = new TestClock(Instant.parse("2026-11-29T12:00:00Z"));
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
    private final LiveSessions live = new LiveSessions(store, clock,
            (delay, task) -> timers.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS), STOP_GRACE);
    private final SessionService sessions;
    private final CalculationService calculations;
    private final ExecutorService clients = Executors.newFixedThreadPool(4);
    private final SessionLogs logs = new SessionLogs(results, clock, Path.of(System.getProperty("java.io.tmpdir")), () -> null);

    SessionLifecycleTest() {
        InMemoryWorkGroupStore workGroups = new InMemoryWorkGroupStore();
        TagService tags = new TagService(new InMemoryTagStore(), resource -> true);
        new WorkGroupService(workGroups, tags, clock, name -> { }).createDefaults("spark", "s3://noctua-results/", NoctuaServer.DEFAULT_EXECUTION_ROLE);
        sessions = new SessionService(live, workGroups, engine, tags, logs, clock, new SessionService.Settings("s3://noctua-results/", 20,
                Duration.ofMinutes(1), new SessionService.Limits(1000, 1000, 1_000_000)));
        calculations = new CalculationService(live, results, session -> List.of(session), clock);
    }

    @AfterEach
    void stop() {
        engine.release();
        engine.releaseBegin();
        results.release();
        calculations.close();
        logs.close();
        timers.shutdownNow();
        clients.shutdownNow();
    }

    // ---- helpers

    private String idleSession() {
        String id = sessions.start(new StartSessionRequest(null, "spark", new EngineConfiguration(null, 2, null, null, null, null),
                null, null, null, null, null, null, null)).sessionId();
        await(() -> state(id) == SessionState.IDLE, "session " + id + " to be IDLE");
        return id;
    }

    private SessionState state(String sessionId) {
        return sessions.status(new SessionIdRequest(sessionId)).status().state();
    }

    private String start(String sessionId, String code) {
        return calculations.start(new StartCalculationExecutionRequest(sessionId, null, null, code, null)).calculationExecutionId();
    }

    private CalculationExecution calculation(String id) {
        return live.calculation(id);
    }

    private CalculationExecution awaitEnd(String id) {
        await(() -> calculation(id).state().isTerminal(), "calculation " + id + " to end");
        return calculation(id);
    }

    private void awaitState(String id, CalculationExecutionState state) {
        await(() -> calculation(id).state() == state, "calculation " + id + " to be " + state);
    }

    private CalculationExecutionState stop(String id) {
        return calculations.stop(new CalculationIdRequest(id)).state();
    }

    /** The session takes the next calculation, which completes, and stays usable. */
    private void assertTakesTheNext(String sessionId) {
        engine.release();
        String next = start(sessionId, "%%sql\nSELECT 2");
        assertEquals(CalculationExecutionState.COMPLETED, awaitEnd(next).state());
        await(() -> state(sessionId) == SessionState.IDLE, "session " + sessionId + " to be IDLE again");
    }

    private void assertStored(String sessionId, SessionState session, String calculationId, CalculationExecutionState calculation) {
        assertEquals(session, store.session(sessionId).orElseThrow().state(), "stored session");
        if (calculationId != null) {
            assertEquals(calculation, store.calculation(calculationId).orElseThrow().state(), "stored calculation");
        }
    }

    private static void await(Supplier<Boolean> condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                fail("waited 20 s for " + what);
            }
            try {
                Thread.sleep(2);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    // ---- the windows

    @Test
    void aCalculationCompletesAndTheStoreHoldsWhatIsPublished() {
        String sessionId = idleSession();
        String id = start(sessionId, "%%sql\nSELECT 1");
        CalculationExecution done = awaitEnd(id);
        assertEquals(CalculationExecutionState.COMPLETED, done.state());
        assertNull(done.stateChangeReason());
        assertEquals("100% (fake)", done.progress());
        assertEquals(42, done.dpuExecutionInMillis());
        assertEquals("shown\n".trim(), new String(results.read(io.noctua.results.S3Location.parse(done.stdOutS3Uri()))).trim());
        await(() -> state(sessionId) == SessionState.IDLE, "IDLE");
        assertStored(sessionId, SessionState.IDLE, id, CalculationExecutionState.COMPLETED);
        assertEquals(42, store.session(sessionId).orElseThrow().dpuExecutionInMillis());
    }

    @Test
    void aStopBeforeTheCalculationRunsCancelsIt() {
        String sessionId = idleSession();
        engine.holdBegins();
        String id = start(sessionId, "%%sql\nSELECT 1");
        assertEquals(CalculationExecutionState.CANCELING, stop(id));
        engine.releaseBegin();
        CalculationExecution done = awaitEnd(id);
        assertEquals(CalculationExecutionState.CANCELED, done.state());
        assertEquals("Stopped by StopCalculationExecution", done.stateChangeReason());
        assertTrue(engine.calls().stream().noneMatch(call -> call.equals("sql")), "the cell ran: " + engine.calls());
        assertTakesTheNext(sessionId);
    }

    @Test
    void aStopWhileTheCodeRunsCancelsItsWork() {
        String sessionId = idleSession();
        engine.holdCells();
        String id = start(sessionId, "%%sql\nSELECT 1");
        engine.awaitCellStarted();
        assertEquals(CalculationExecutionState.CANCELING, stop(id));
        CalculationExecutionState again = stop(id);
        assertTrue(again == CalculationExecutionState.CANCELING || again == CalculationExecutionState.CANCELED, "a second stop: " + again);
        CalculationExecution done = awaitEnd(id);
        assertEquals(CalculationExecutionState.CANCELED, done.state());
        assertEquals("Stopped by StopCalculationExecution", done.stateChangeReason());
        assertTrue(engine.calls().contains("cancel:" + id));
        assertStored(sessionId, SessionState.IDLE, id, CalculationExecutionState.CANCELED);
        assertTakesTheNext(sessionId);
    }

    @Test
    void aStopWhileTheOutputsAreWrittenStillCancels() throws InterruptedException {
        String sessionId = idleSession();
        results.holdWrites();
        String id = start(sessionId, "%%sql\nSELECT 1");
        results.awaitWriting();
        assertEquals(CalculationExecutionState.CANCELING, stop(id));
        results.release();
        CalculationExecution done = awaitEnd(id);
        assertEquals(CalculationExecutionState.CANCELED, done.state());
        assertEquals("Stopped by StopCalculationExecution", done.stateChangeReason());
        assertTakesTheNext(sessionId);
    }

    @Test
    void aStopWhileTheEndIsStoredWaitsAndFindsItEnded() throws Exception {
        String sessionId = idleSession();
        CountDownLatch storing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        store.beforeWrite(change -> {
            if (change.calculation() != null && change.calculation().state().isTerminal()) {
                storing.countDown();
                try {
                    release.await(20, TimeUnit.SECONDS);
                }
                catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        String id = start(sessionId, "%%sql\nSELECT 1");
        assertTrue(storing.await(20, TimeUnit.SECONDS));
        Future<CalculationExecutionState> stopping = clients.submit(() -> stop(id));
        Thread.sleep(50);
        release.countDown();
        assertEquals(CalculationExecutionState.COMPLETED, stopping.get(20, TimeUnit.SECONDS));
        assertEquals(CalculationExecutionState.COMPLETED, awaitEnd(id).state());
        store.beforeWrite(change -> { });
        assertTakesTheNext(sessionId);
    }

    @Test
    void aStopAfterTheEndChangesNothing() {
        String sessionId = idleSession();
        String id = start(sessionId, "%%sql\nSELECT 1");
        awaitEnd(id);
        assertEquals(CalculationExecutionState.COMPLETED, stop(id));
        assertEquals(CalculationExecutionState.COMPLETED, calculation(id).state());
        assertTakesTheNext(sessionId);
    }

    @Test
    void aCellThatIgnoresTheStopIsInterruptedAndItsWorkerKilledAfterTheGrace() {
        String sessionId = idleSession();
        engine.ignoreCancel();
        engine.holdCells();
        String id = start(sessionId, "print(1)");
        engine.awaitCellStarted();
        long begin = System.nanoTime();
        stop(id);
        CalculationExecution done = awaitEnd(id);
        long millis = (System.nanoTime() - begin) / 1_000_000;
        assertEquals(CalculationExecutionState.CANCELED, done.state());
        assertTrue(millis >= STOP_GRACE.toMillis() - 50 && millis < 10_000, "ended after " + millis + " ms");
        assertTrue(engine.calls().contains("interrupt:" + id) && engine.calls().contains("kill:" + id), engine.calls().toString());
        assertTakesTheNext(sessionId);
    }

    @Test
    void terminateRacingAStartNeverStrandsEither() throws Exception {
        for (int round = 0; round < 30; round++) {
            String sessionId = idleSession();
            CyclicBarrier together = new CyclicBarrier(2);
            Future<SessionState> terminating = clients.submit(() -> {
                together.await();
                return sessions.terminate(new SessionIdRequest(sessionId)).state();
            });
            Future<String> starting = clients.submit(() -> {
                together.await();
                try {
                    return start(sessionId, "%%sql\nSELECT 1");
                }
                catch (InvalidRequestException e) {
                    assertTrue(e.getMessage().matches("Session is in the (TERMINATED|TERMINATING) state; needs to be IDLE to accept Calculations\\."),
                            e.getMessage());
                    return null;
                }
            });
            SessionState afterTerminate = terminating.get(20, TimeUnit.SECONDS);
            String id = starting.get(20, TimeUnit.SECONDS);
            assertTrue(afterTerminate == SessionState.TERMINATED || afterTerminate == SessionState.TERMINATING, afterTerminate.name());
            await(() -> state(sessionId) == SessionState.TERMINATED, "TERMINATED");
            if (id != null) {
                CalculationExecution done = awaitEnd(id);
                // accepted before the terminate: it ran, or was cancelled because of it
                assertTrue(done.state() == CalculationExecutionState.COMPLETED || (done.state() == CalculationExecutionState.CANCELED
                        && done.stateChangeReason().equals("Canceled because the session was terminated: Terminated by TerminateSession")),
                        done.state() + " " + done.stateChangeReason());
                assertStored(sessionId, SessionState.TERMINATED, id, done.state());
            }
        }
    }

    @Test
    void theIdleTimeoutRacingAStartNeverCancelsTheCalculationAsIdle() throws Exception {
        for (int round = 0; round < 30; round++) {
            String sessionId = idleSession();
            clock.advance(Duration.ofMinutes(21));
            CyclicBarrier together = new CyclicBarrier(2);
            Future<?> reaping = clients.submit(() -> {
                together.await();
                live.terminateIdle(Duration.ofMinutes(1));
                return null;
            });
            Future<String> starting = clients.submit(() -> {
                together.await();
                try {
                    return start(sessionId, "%%sql\nSELECT 1");
                }
                catch (InvalidRequestException e) {
                    assertEquals("Session is in the TERMINATED state; needs to be IDLE to accept Calculations.", e.getMessage());
                    return null;
                }
            });
            reaping.get(20, TimeUnit.SECONDS);
            String id = starting.get(20, TimeUnit.SECONDS);
            if (id == null) {
                Session ended = live.session(sessionId);
                assertEquals(SessionState.TERMINATED, ended.state());
                assertEquals("Session was idle for more than its timeout of 20 minutes", ended.stateChangeReason());
            }
            else {
                assertEquals(CalculationExecutionState.COMPLETED, awaitEnd(id).state(), "a calculation accepted at the deadline ran");
                await(() -> state(sessionId) == SessionState.IDLE, "IDLE again");
                sessions.terminate(new SessionIdRequest(sessionId));
            }
        }
    }

    @Test
    void aWorkerThatDiesWhileTheCalculationFinishesFailsItAndTheSessionGoesOn() {
        String sessionId = idleSession();
        engine.failPython(PythonWorkerException.died("The session's Python worker exited with code 137 (killed: out of memory, or stopped by Noctua)"));
        String id = start(sessionId, "print(1)");
        CalculationExecution done = awaitEnd(id);
        assertEquals(CalculationExecutionState.FAILED, done.state());
        assertEquals("The session's Python worker exited with code 137 (killed: out of memory, or stopped by Noctua)", done.stateChangeReason());
        await(() -> state(sessionId) == SessionState.IDLE, "IDLE");
        assertTrue(live.session(sessionId).stateChangeReason().startsWith("The session's Python worker was replaced after it ended"),
                live.session(sessionId).stateChangeReason());
        engine.failPython(null);
        assertTakesTheNext(sessionId);
    }

    @Test
    void aStoreThatFailsWhileTheCalculationFinishesDelaysOnlyTheRecord() {
        String sessionId = idleSession();
        engine.holdCells();
        String id = start(sessionId, "%%sql\nSELECT 1");
        engine.awaitCellStarted();
        store.failWrites(true);
        engine.release();
        CalculationExecution done = awaitEnd(id);
        assertEquals(CalculationExecutionState.COMPLETED, done.state(), "the calculation did complete; only its record waits");
        await(() -> state(sessionId) == SessionState.IDLE, "IDLE in memory");
        assertStored(sessionId, SessionState.BUSY, id, CalculationExecutionState.RUNNING);

        // a client's call that must be stored fails while the store does, and changes nothing
        StoreException refused = assertThrows(StoreException.class, () -> start(sessionId, "%%sql\nSELECT 3"));
        assertTrue(refused.getMessage().contains("SQLITE_FULL"), refused.getMessage());
        assertThrows(StoreException.class, () -> sessions.terminate(new SessionIdRequest(sessionId)));
        assertEquals(SessionState.IDLE, state(sessionId));

        store.failWrites(false);
        live.storeWhatWasNotStored();
        assertStored(sessionId, SessionState.IDLE, id, CalculationExecutionState.COMPLETED);
        assertTakesTheNext(sessionId);
    }

    @Test
    void terminateWhileBusyCancelsTheCalculationThenEndsTheSession() {
        String sessionId = idleSession();
        engine.holdCells();
        String id = start(sessionId, "%%sql\nSELECT 1");
        engine.awaitCellStarted();
        SessionState after = sessions.terminate(new SessionIdRequest(sessionId)).state();
        assertEquals(SessionState.TERMINATING, after);
        SessionState again = sessions.terminate(new SessionIdRequest(sessionId)).state();
        assertTrue(again == SessionState.TERMINATING || again == SessionState.TERMINATED, "a second terminate changes nothing: " + again);
        CalculationExecution done = awaitEnd(id);
        assertEquals(CalculationExecutionState.CANCELED, done.state());
        assertEquals("Canceled because the session was terminated: Terminated by TerminateSession", done.stateChangeReason());
        await(() -> state(sessionId) == SessionState.TERMINATED, "TERMINATED");
        assertTrue(engine.calls().contains("close:" + sessionId), engine.calls().toString());
        assertStored(sessionId, SessionState.TERMINATED, id, CalculationExecutionState.CANCELED);
        InvalidRequestException refused = assertThrows(InvalidRequestException.class, () -> start(sessionId, "%%sql\nSELECT 1"));
        assertEquals("Session is in the TERMINATED state; needs to be IDLE to accept Calculations.", refused.getMessage());
    }

    @Test
    void aShutdownWhileTheStoreFailsEndsEverythingAndStoresItLater() {
        String sessionId = idleSession();
        String idle = idleSession();
        engine.holdCells();
        String id = start(sessionId, "%%sql\nSELECT 1");
        engine.awaitCellStarted();
        store.failWrites(true);
        sessions.terminateAllForShutdown();
        assertEquals(CalculationExecutionState.CANCELED, awaitEnd(id).state());
        await(() -> state(sessionId) == SessionState.TERMINATED && state(idle) == SessionState.TERMINATED, "both TERMINATED in memory");
        assertStored(sessionId, SessionState.BUSY, id, CalculationExecutionState.RUNNING);
        store.failWrites(false);
        live.storeWhatWasNotStored();
        assertStored(sessionId, SessionState.TERMINATED, id, CalculationExecutionState.CANCELED);
        assertStored(idle, SessionState.TERMINATED, null, null);
        assertEquals("The Noctua server was shut down", store.session(idle).orElseThrow().stateChangeReason());
    }

    @Test
    void aSessionTerminatedWhileItsEngineIsMadeClosesTheEngine() {
        engine.openDelay(Duration.ofMillis(300));
        String id = sessions.start(new StartSessionRequest(null, "spark", new EngineConfiguration(null, 2, null, null, null, null),
                null, null, null, null, null, null, null)).sessionId();
        assertEquals(SessionState.TERMINATED, sessions.terminate(new SessionIdRequest(id)).state());
        await(() -> engine.calls().contains("close:" + id), "the late engine to be closed");
        assertEquals(SessionState.TERMINATED, state(id));
    }

    @Test
    void clientErrorsAreAthenaErrors() {
        String sessionId = idleSession();
        engine.holdCells();
        start(sessionId, "%%sql\nSELECT 1");
        AthenaException busy = assertThrows(AthenaException.class, () -> start(sessionId, "%%sql\nSELECT 2"));
        assertInstanceOf(InvalidRequestException.class, busy);
        assertEquals("Session is in the BUSY state; needs to be IDLE to accept Calculations.", busy.getMessage());
        assertThrows(InvalidRequestException.class, () -> stop("no-such-calculation"));
        engine.release();
    }

    @Test
    void aSessionAnotherServerEndedWhileThisOnesLeaseLapsedStopsHereToo() {
        String sessionId = idleSession();
        String otherId = idleSession();
        engine.holdCells();
        String id = start(sessionId, "print(1)");
        engine.awaitCellStarted();
        // another server found this one's lease expired and ended the session in the store
        Session stored = store.session(sessionId).orElseThrow();
        CalculationExecution storedCalculation = store.calculation(id).orElseThrow();
        String reason = "The Noctua server a that ran it stopped renewing its lease";
        assertTrue(store.write(SessionStore.Change.session(stored.transition(SessionState.TERMINATED, reason, clock.instant()), stored.state())
                .and(storedCalculation.transition(CalculationExecutionState.FAILED, reason, clock.instant()), storedCalculation.state())));

        sessions.adoptSessionsEndedElsewhere();

        assertEquals(SessionState.TERMINATED, state(sessionId));
        assertEquals(reason, sessions.get(new SessionIdRequest(sessionId)).status().stateChangeReason());
        assertEquals(CalculationExecutionState.FAILED, calculation(id).state());
        await(() -> engine.calls().contains("cancel:" + id) && engine.calls().contains("close:" + sessionId), "its work stopped and engine closed");
        assertTrue(live.machine(sessionId).isEmpty());
        engine.release();
        assertEquals(SessionState.IDLE, state(otherId), "the sessions nobody ended go on");
        assertStored(sessionId, SessionState.TERMINATED, id, CalculationExecutionState.FAILED);
    }
}
