package io.noctua.calculation;

import io.noctua.api.CalculationExecutionState;
import io.noctua.engine.JobGroupProgress;
import io.noctua.session.CalculationHandle;
import io.noctua.store.CalculationStore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * A calculation from its acceptance to its end: its record (read without locking by status calls),
 * its Spark progress while it runs, and how to stop it. State changes are compare-and-set in the
 * store, then in memory, under this object's lock.
 */
final class RunningCalculation implements CalculationHandle {
    private final CalculationStore store;
    private final Clock clock;
    private final Runnable cancelWork;
    private final Runnable forceStop;
    private final ScheduledExecutorService timer;
    private final Duration stopGrace;
    private volatile CalculationExecution record;
    private volatile JobGroupProgress progress;
    private volatile Instant runStart;
    private Thread executingThread;
    private String cancelReason;

    /**
     * @param cancelWork stops the calculation's work: cancels its Spark job group, interrupts its Python cell
     * @param forceStop for work still running {@code stopGrace} after {@code cancelWork}: ends its Python worker
     */
    RunningCalculation(CalculationExecution record, CalculationStore store, Clock clock, Runnable cancelWork, Runnable forceStop,
                       ScheduledExecutorService timer, Duration stopGrace) {
        this.record = requireNonNull(record, "record is null");
        this.store = requireNonNull(store, "store is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.cancelWork = requireNonNull(cancelWork, "cancelWork is null");
        this.forceStop = requireNonNull(forceStop, "forceStop is null");
        this.timer = requireNonNull(timer, "timer is null");
        this.stopGrace = requireNonNull(stopGrace, "stopGrace is null");
    }

    @Override
    public String calculationExecutionId() {
        return record.calculationExecutionId();
    }

    CalculationExecution record() {
        return record;
    }

    /** The record with statistics as of now: Spark's progress and DPU time so far while it runs. */
    CalculationExecution snapshot() {
        CalculationExecution current = record;
        JobGroupProgress running = progress;
        if (current.state().isTerminal() || running == null) {
            return current;
        }
        return current.withStatistics(dpuMillis(running), running.describe(false));
    }

    /** DPU time: the coordinator's wall time on the calculation plus the run time of its tasks on executors. */
    long dpuMillis(JobGroupProgress running) {
        Instant start = runStart;
        long coordinator = start == null ? 0 : Duration.between(start, clock.instant()).toMillis();
        return Math.max(1, coordinator + (running == null ? 0 : running.executorRunTimeMillis()));
    }

    /** The runner's first step; false if the calculation was stopped before it could start. */
    synchronized boolean beginRunning(JobGroupProgress jobProgress) {
        if (record.state() != CalculationExecutionState.CREATING) {
            return false;
        }
        move(record.transition(CalculationExecutionState.RUNNING, null, clock.instant()));
        runStart = clock.instant();
        progress = jobProgress;
        executingThread = Thread.currentThread();
        return true;
    }

    /** The code has returned (or thrown): no interrupt may reach the runner thread after this. */
    synchronized void endExecuting() {
        executingThread = null;
        Thread.interrupted();
    }

    @Override
    public synchronized void cancel(String reason) {
        CalculationExecutionState state = record.state();
        if (state.isTerminal() || state == CalculationExecutionState.CANCELING) {
            return;
        }
        cancelReason = reason;
        move(record.transition(CalculationExecutionState.CANCELING, null, clock.instant()));
        cancelWork.run();
        // cancelling the job group returns a blocked collect(); what is still running after the grace is stopped harder
        timer.schedule(this::interruptIfStillExecuting, stopGrace.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Why the calculation was stopped, once a stop has been asked for. */
    synchronized Optional<String> cancelReason() {
        return Optional.ofNullable(cancelReason);
    }

    private synchronized void interruptIfStillExecuting() {
        if (executingThread != null) {
            executingThread.interrupt();
            forceStop.run();
        }
    }

    /**
     * The final record for this outcome: CANCELED if a stop came first, whatever the code did.
     * Stored by {@link #persist}; published to readers only by {@link #publish}.
     */
    synchronized CalculationExecution finalRecord(CalculationExecutionState outcome, String reason, long dpuMillis, String finalProgress) {
        boolean canceled = record.state() == CalculationExecutionState.CANCELING;
        CalculationExecutionState state = canceled ? CalculationExecutionState.CANCELED : outcome;
        return record.transition(state, canceled ? cancelReason : reason, clock.instant()).withStatistics(dpuMillis, finalProgress);
    }

    synchronized void persist(CalculationExecution finalRecord) {
        if (!store.update(finalRecord, record.state())) {
            throw new IllegalStateException("calculation " + calculationExecutionId() + " changed in the store behind this server's back");
        }
    }

    synchronized void publish(CalculationExecution finalRecord) {
        record = finalRecord;
    }

    private void move(CalculationExecution next) {
        CalculationExecution current = record;
        if (!current.state().canMoveTo(next.state())) {
            throw new IllegalStateException("calculation " + current.calculationExecutionId() + " cannot move from " + current.state() + " to " + next.state());
        }
        if (!store.update(next, current.state())) {
            throw new IllegalStateException("calculation " + current.calculationExecutionId() + " changed in the store behind this server's back");
        }
        record = next;
    }

    JobGroupProgress progress() {
        return progress;
    }
}
