package io.cachet.client;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.function.LongSupplier;

import static java.util.Objects.requireNonNull;

/**
 * How a client call retries when a worker does not answer: each failure moves to the next owner; once
 * every worker has failed in a round, the call waits (a worker restarting, a coordinator gathering its
 * workers), backing off from {@value #FIRST_BACKOFF_MILLIS} ms to at most a second, and tries again
 * until its budget ({@code cachet.client.retry.budget}) is spent. The one policy of every call, metadata
 * or data, including a read that resumes after its worker went away.
 */
final class RetryPolicy {
    static final long FIRST_BACKOFF_MILLIS = 25;
    static final long MAX_BACKOFF_MILLIS = 1000;

    /** Waits; a test replaces it to see the waits without spending them. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    private final Duration budget;
    private final LongSupplier nanoClock;
    private final Sleeper sleeper;

    RetryPolicy(Duration budget) {
        this(budget, System::nanoTime, Thread::sleep);
    }

    RetryPolicy(Duration budget, LongSupplier nanoClock, Sleeper sleeper) {
        this.budget = requireNonNull(budget, "budget is null");
        this.nanoClock = requireNonNull(nanoClock, "nanoClock is null");
        this.sleeper = requireNonNull(sleeper, "sleeper is null");
    }

    /** The attempts of one call, its budget counted from now. */
    Attempts start() {
        return new Attempts(nanoClock.getAsLong() + budget.toNanos());
    }

    /** One call's attempts. Not thread-safe: a call belongs to one thread. */
    final class Attempts {
        private final long deadlineNanos;
        private long backoffMillis = FIRST_BACKOFF_MILLIS;
        private int failures;

        private Attempts(long deadlineNanos) {
            this.deadlineNanos = deadlineNanos;
        }

        /**
         * Records a failed attempt among {@code workers} candidates. Throws {@code failure} when the budget
         * is spent; otherwise returns true when a round over every worker has failed and the call waited,
         * so the caller should reload the membership before its next attempt.
         */
        boolean failed(IOException failure, int workers) throws IOException {
            failures++;
            if (nanoClock.getAsLong() - deadlineNanos > 0) {
                throw failure;
            }
            if (failures < Math.max(1, workers)) {
                return false;
            }
            try {
                sleeper.sleep(backoffMillis);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                InterruptedIOException interrupted = new InterruptedIOException("interrupted while retrying: " + failure.getMessage());
                interrupted.addSuppressed(failure);
                throw interrupted;
            }
            backoffMillis = Math.min(MAX_BACKOFF_MILLIS, backoffMillis * 2);
            return true;
        }

        int failures() {
            return failures;
        }
    }
}
