package io.cachet.membership;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A task run on an executor once for any number of requests that arrive before it starts: a burst of
 * membership changes costs one read of the list, on the executor's thread, not the caller's.
 */
public final class CoalescedRun {
    private final Executor executor;
    private final Runnable task;
    private final AtomicBoolean queued = new AtomicBoolean();

    public CoalescedRun(Executor executor, Runnable task) {
        this.executor = executor;
        this.task = task;
    }

    /** Asks for a run; does nothing while one is already waiting, or once the executor has shut down. */
    public void request() {
        if (!queued.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(() -> {
                queued.set(false);
                task.run();
            });
        }
        catch (RejectedExecutionException closing) {
            queued.set(false);
        }
    }
}
