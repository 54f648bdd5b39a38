package io.cachet.coordinator;

import io.cachet.rpc.proto.WorkerInfo;
import io.cachet.server.NodeIdentity;
import io.cachet.server.ProvenNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Expiry that tells a silent worker from a stalled coordinator, on a clock the test moves. */
class MembershipRegistryTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CHECK = Duration.ofMillis(2500);

    private final AtomicLong clock = new AtomicLong();
    private final MembershipRegistry registry = new MembershipRegistry(TIMEOUT, CHECK, clock::get);

    @Test
    void aWorkerSilentForLongerThanTheTimeoutIsRemovedWhileOthersBeat() {
        register("a");
        register("b");
        for (int i = 0; i < 5; i++) {
            advance(CHECK);
            registry.heartbeat("a", node("a"));
            registry.expireSilentWorkers();
        }
        assertThat(workers()).containsExactly("a");
    }

    @Test
    void aCheckThatRunsLateGivesEveryWorkerAnotherTimeout() {
        register("a");
        register("b");
        // The coordinator stopped (GC pause, SIGSTOP) for longer than the timeout: its next check is 15 s late.
        advance(Duration.ofSeconds(15));
        registry.expireSilentWorkers();
        assertThat(workers()).containsExactly("a", "b");
        // Back on schedule, the workers beat again and stay.
        advance(CHECK);
        registry.heartbeat("a", node("a"));
        registry.heartbeat("b", node("b"));
        registry.expireSilentWorkers();
        assertThat(workers()).containsExactly("a", "b");
    }

    @Test
    void everyWorkerLateAtOnceGetsOneGracePeriodThenSilentOnesExpire() {
        register("a");
        register("b");
        for (int i = 0; i < 5; i++) {
            advance(CHECK);
            registry.expireSilentWorkers();
        }
        assertThat(workers()).as("all late at once: more likely the coordinator").containsExactly("a", "b");
        for (int i = 0; i < 5; i++) {
            advance(CHECK);
            registry.expireSilentWorkers();
        }
        assertThat(workers()).as("still silent after the grace period: gone").isEmpty();
    }

    @Test
    void aHeartbeatAfterTheGraceLetsAnotherCollectiveSilenceHaveItsOwnGrace() {
        register("a");
        register("b");
        for (int i = 0; i < 5; i++) {
            advance(CHECK);
            registry.expireSilentWorkers();
        }
        registry.heartbeat("a", node("a"));
        registry.heartbeat("b", node("b"));
        for (int i = 0; i < 5; i++) {
            advance(CHECK);
            registry.expireSilentWorkers();
        }
        assertThat(workers()).containsExactly("a", "b");
    }

    private void register(String id) {
        assertThat(registry.register(WorkerInfo.newBuilder().setId(id).setHost("localhost").build(), node(id))).isEmpty();
    }

    private static ProvenNode node(String id) {
        return new ProvenNode(new NodeIdentity(id, "dc1", "rack1"), "cluster secret", false, "127.0.0.1");
    }

    private void advance(Duration duration) {
        clock.addAndGet(duration.toNanos());
    }

    private List<String> workers() {
        return registry.snapshot().getWorkersList().stream().map(WorkerInfo::getId).toList();
    }
}
