package io.noctua.concurrent;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server's threads: all daemons (the server ends when its main thread and shutdown hook say so,
 * never because a pool is still alive), all named after what they do, so that a thread dump reads.
 */
public final class Threads {
    private Threads() {
    }

    /** Threads named {@code name-1}, {@code name-2}, ... */
    public static ThreadFactory daemons(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> daemon(name + "-" + count.incrementAndGet(), runnable);
    }

    /** One thread, not yet started. */
    public static Thread daemon(String name, Runnable work) {
        Thread thread = new Thread(work, name);
        thread.setDaemon(true);
        return thread;
    }

    /** One thread, started. */
    public static Thread start(String name, Runnable work) {
        Thread thread = daemon(name, work);
        thread.start();
        return thread;
    }

    /**
     * Shuts {@code pool} down and waits up to {@code wait} for the work it has to finish; what is left then is dropped
     * ({@code shutdownNow}). False when work was dropped (or the wait was interrupted, whose flag is kept).
     */
    public static boolean drain(ExecutorService pool, Duration wait) {
        pool.shutdown();
        try {
            if (pool.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                return true;
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pool.shutdownNow();
        return false;
    }
}
