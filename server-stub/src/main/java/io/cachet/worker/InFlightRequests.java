package io.cachet.worker;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The requests a worker's data server is serving, so a stopping worker finishes them and starts no
 * new one. A handler counts a request before it asks {@link #draining()}, and {@link #drain} sets the
 * flag before it reads the count, so no request can start unseen while the worker stops.
 */
final class InFlightRequests {
    private final AtomicInteger count = new AtomicInteger();
    private volatile boolean draining;

    void started() {
        count.incrementAndGet();
    }

    void ended() {
        count.decrementAndGet();
    }

    boolean draining() {
        return draining;
    }

    /** Takes no new requests, then waits up to {@code timeout} for the running ones; false when some were still running. */
    boolean drain(Duration timeout) {
        draining = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (count.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return count.get() == 0;
    }

    int running() {
        return count.get();
    }
}
