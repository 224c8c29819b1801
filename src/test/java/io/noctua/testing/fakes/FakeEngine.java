package io.noctua.testing.fakes;

import io.noctua.engine.CalculationEngine;
import io.noctua.engine.CalculationProgress;
import io.noctua.engine.SparkExecutor;
import io.noctua.engine.RichOutputs;
import io.noctua.engine.SqlOutput;
import io.noctua.engine.python.PythonOutcome;
import io.noctua.engine.python.PythonWorkerException;
import io.noctua.session.Engines;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An engine without Spark, for the session and calculation machinery's unit tests: a cell can be held
 * at its start ({@link #holdCells}) until the test releases it or a stop cancels it, and the test
 * sees every call the machinery made ({@link #calls}). SQL cells print {@code "shown"}; Python cells
 * print their code, or raise what the test set.
 */
public final class FakeEngine implements Engines {
    private final Queue<String> calls = new ConcurrentLinkedQueue<>();
    private final AtomicInteger opened = new AtomicInteger();
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private volatile CountDownLatch started = new CountDownLatch(1);
    private volatile CountDownLatch beginGate = new CountDownLatch(0);
    private volatile RuntimeException pythonFailure;
    private volatile Duration openDelay = Duration.ZERO;
    private volatile boolean ignoreCancel;

    /** From now on cells wait at their start until {@link #release()} (or their cancellation). */
    public void holdCells() {
        gate = new CountDownLatch(1);
        started = new CountDownLatch(1);
    }

    public void release() {
        gate.countDown();
    }

    /** From now on the calculation's begin (before it is RUNNING) waits until {@link #releaseBegin()}. */
    public void holdBegins() {
        beginGate = new CountDownLatch(1);
    }

    public void releaseBegin() {
        beginGate.countDown();
    }

    /** Waits until a held cell has started. */
    public void awaitCellStarted() {
        await(started, "a cell to start");
    }

    /** The next Python cells raise this (e.g. a {@link PythonWorkerException}: the worker died). */
    public void failPython(RuntimeException failure) {
        pythonFailure = failure;
    }

    /** Held cells no longer end when cancelled: only an interrupt of their thread ends them (a stubborn cell). */
    public void ignoreCancel() {
        ignoreCancel = true;
    }

    public void openDelay(Duration delay) {
        openDelay = delay;
    }

    public List<String> calls() {
        return List.copyOf(calls);
    }

    public int opened() {
        return opened.get();
    }

    /** Every property is taken: what Spark honours per session is SparkEngine's business, tested end to end. */
    @Override
    public void checkSparkProperties(Map<String, String> sparkProperties) {
    }

    @Override
    public CalculationEngine open(String sessionId, Map<String, String> sparkProperties, int maxConcurrentDpus) {
        if (!openDelay.isZero()) {
            sleep(openDelay.toMillis());
        }
        opened.incrementAndGet();
        calls.add("open:" + sessionId);
        return new Session(sessionId);
    }

    @Override
    public List<SparkExecutor> executors() {
        return List.of();
    }

    private final class Session implements CalculationEngine {
        private final String sessionId;
        private final Map<String, Boolean> cancelled = new java.util.concurrent.ConcurrentHashMap<>();

        Session(String sessionId) {
            this.sessionId = sessionId;
        }

        @Override
        public CalculationProgress beginCalculation(String calculationId) {
            calls.add("begin:" + calculationId);
            await(beginGate, "the test to release the calculation's begin");
            return new CalculationProgress() {
                @Override
                public String describe(boolean finished) {
                    return finished ? "100% (fake)" : "50% (fake)";
                }

                @Override
                public long dpuMillis() {
                    return 42;
                }
            };
        }

        @Override
        public void endCalculation(String calculationId) {
            calls.add("end:" + calculationId);
        }

        @Override
        public SqlOutput runSql(String sql) {
            calls.add("sql");
            hold(null);
            return new SqlOutput("shown", RichOutputs.none());
        }

        @Override
        public PythonOutcome runPython(String calculationId, String code, Map<String, Object> sessionFacts) {
            calls.add("python:" + calculationId);
            hold(calculationId);
            RuntimeException failure = pythonFailure;
            if (failure != null) {
                throw failure;
            }
            return new PythonOutcome("ok", code + "\n", "", RichOutputs.none(), null);
        }

        /** Waits at the gate; a cancellation (Spark's job group, SIGINT, a killed worker) ends the wait as Spark would. */
        private void hold(String calculationId) {
            started.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (gate.getCount() > 0 && System.nanoTime() < deadline) {
                if (!cancelled.isEmpty() && !ignoreCancel) {
                    throw new IllegalStateException("Job group cancelled: the calculation was stopped");
                }
                try {
                    gate.await(5, TimeUnit.MILLISECONDS);
                }
                catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        }

        @Override
        public void cancel(String calculationId) {
            calls.add("cancel:" + calculationId);
            cancelled.put(calculationId, true);
        }

        @Override
        public void interruptPython(String calculationId) {
            calls.add("interrupt:" + calculationId);
        }

        @Override
        public void killRunningPython(String calculationId) {
            calls.add("kill:" + calculationId);
        }

        @Override
        public void close() {
            calls.add("close:" + sessionId);
        }
    }

    private static void await(CountDownLatch latch, String what) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("waited 30 s for " + what);
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + what, e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
