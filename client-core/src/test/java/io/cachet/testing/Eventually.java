package io.cachet.testing;

import java.time.Duration;

/**
 * Waits for something a cluster does in the background. One generous bound for every test, so a test
 * that passes only on an idle machine is not hidden behind a tight timeout: waits return as soon as
 * the condition holds, and only a real failure uses the whole bound.
 */
public final class Eventually {
    /** How long any test waits for a background effect (a file removed, a member listed, a connection closed). */
    public static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final long POLL_MILLIS = 50;

    /** A condition that may throw while the system is still getting there. */
    public interface Condition {
        boolean holds() throws Exception;
    }

    private Eventually() {}

    /** Returns once {@code condition} holds; fails naming {@code what} when it has not within {@link #TIMEOUT}. */
    public static void await(String what, Condition condition) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        Exception last = null;
        while (true) {
            try {
                if (condition.holds()) {
                    return;
                }
            }
            catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                AssertionError failure = new AssertionError("Not within " + TIMEOUT + ": " + what);
                if (last != null) {
                    failure.initCause(last);
                }
                throw failure;
            }
            Thread.sleep(POLL_MILLIS);
        }
    }
}
