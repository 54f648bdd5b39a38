package io.cachet.client;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetryPolicyTest {
    /** A clock that moves only when the policy sleeps, so budgets are exact and no time is spent. */
    private long now;
    private final List<Long> sleeps = new ArrayList<>();

    private RetryPolicy policy(Duration budget) {
        return new RetryPolicy(budget, () -> now, millis -> {
            sleeps.add(millis);
            now += Duration.ofMillis(millis).toNanos();
        });
    }

    @Test
    void eachWorkerIsTriedOnceBeforeTheCallWaits() throws IOException {
        RetryPolicy.Attempts attempts = policy(Duration.ofSeconds(20)).start();

        assertThat(attempts.failed(new IOException("w1"), 3)).isFalse();
        assertThat(attempts.failed(new IOException("w2"), 3)).isFalse();
        assertThat(sleeps).isEmpty();
        assertThat(attempts.failed(new IOException("w3"), 3)).as("a round over every worker failed: wait, then reload the membership").isTrue();
        assertThat(sleeps).containsExactly(RetryPolicy.FIRST_BACKOFF_MILLIS);
    }

    @Test
    void waitsDoubleUpToASecond() throws IOException {
        RetryPolicy.Attempts attempts = policy(Duration.ofMinutes(1)).start();
        for (int i = 0; i < 10; i++) {
            attempts.failed(new IOException("only worker"), 1);
        }
        assertThat(sleeps).containsExactly(25L, 50L, 100L, 200L, 400L, 800L, 1000L, 1000L, 1000L, 1000L);
    }

    @Test
    void noWorkersKnownStillWaitsBetweenAttempts() throws IOException {
        RetryPolicy.Attempts attempts = policy(Duration.ofSeconds(20)).start();
        assertThat(attempts.failed(new IOException("no workers are registered"), 0)).isTrue();
        assertThat(sleeps).hasSize(1);
    }

    @Test
    void theFailureAfterTheBudgetIsSpentIsThrownAsItIs() throws IOException {
        RetryPolicy.Attempts attempts = policy(Duration.ofSeconds(2)).start();
        IOException last = null;
        int failures = 0;
        try {
            while (true) {
                last = new IOException("attempt " + failures);
                attempts.failed(last, 1);
                failures++;
            }
        }
        catch (IOException thrown) {
            assertThat(thrown).isSameAs(last);
        }
        // The waits 25 + 50 + ... + 800 ms stay inside the 2 s budget, the seventh (1000 ms) passes it: the next failure ends the call.
        assertThat(sleeps).containsExactly(25L, 50L, 100L, 200L, 400L, 800L, 1000L);
        assertThat(attempts.failures()).isEqualTo(failures + 1);
    }

    @Test
    void aZeroBudgetAllowsNoSecondAttempt() {
        now = 5;
        RetryPolicy.Attempts attempts = policy(Duration.ZERO).start();
        now = 6;
        IOException failure = new IOException("w1 did not answer");
        assertThatThrownBy(() -> attempts.failed(failure, 3)).isSameAs(failure);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void eachCallHasABudgetOfItsOwn() throws IOException {
        RetryPolicy policy = policy(Duration.ofSeconds(1));
        RetryPolicy.Attempts first = policy.start();
        now += Duration.ofSeconds(5).toNanos();
        assertThatThrownBy(() -> first.failed(new IOException("late"), 1)).hasMessage("late");
        assertThat(policy.start().failed(new IOException("fresh"), 2)).isFalse();
    }

    @Test
    void anInterruptedWaitEndsTheCallAndKeepsTheInterrupt() {
        RetryPolicy policy = new RetryPolicy(Duration.ofSeconds(20), () -> now, millis -> {
            throw new InterruptedException();
        });
        IOException failure = new IOException("w1 did not answer");
        try {
            assertThatThrownBy(() -> policy.start().failed(failure, 1))
                    .isInstanceOf(InterruptedIOException.class)
                    .hasMessageContaining("w1 did not answer");
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        }
        finally {
            Thread.interrupted();
        }
    }
}
