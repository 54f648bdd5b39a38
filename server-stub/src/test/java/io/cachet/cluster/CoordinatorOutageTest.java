package io.cachet.cluster;

import io.cachet.minicluster.MiniCluster;
import io.cachet.testing.Eventually;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The coordinator is not on the data path: while it is frozen or dead, clients keep reading and
 * writing with the workers they know, and a coordinator that stalled does not blame its workers.
 * Every node is a JVM of its own; the worker timeout is {@value #TIMEOUT_SECONDS} s (MiniCluster's).
 */
@Timeout(300)
class CoordinatorOutageTest {
    private static final int TIMEOUT_SECONDS = 10;
    /** Longer than the worker timeout, so a coordinator that counted its own stall against the workers would expire them all. */
    private static final Duration OUTAGE = Duration.ofSeconds(TIMEOUT_SECONDS + 5);

    @RegisterExtension
    final ClusterFixture clusters = ClusterFixture.plaintext();

    @Test
    void aFrozenCoordinatorExpiresNoWorkerAndClientsCarryOn() throws Exception {
        MiniCluster cluster = clusters.start(builder -> builder.workers(3).separateProcesses(true));
        ClusterLoad load = clusters.closeAfter(ClusterLoad.start(cluster.newClient(), "/frozen"));
        load.awaitOperations(30);
        cluster.coordinator().suspend();
        try {
            long before = load.operations();
            Thread.sleep(OUTAGE.toMillis());
            assertThat(load.operations()).as("operations while the coordinator was frozen").isGreaterThan(before);
        }
        finally {
            cluster.coordinator().resume();
        }
        // The coordinator's first expiry check after the freeze runs late: it must blame itself.
        long after = load.operations();
        load.awaitOperations(after + 30);
        cluster.awaitMembership(3, Eventually.TIMEOUT);
        assertThat(Files.readString(cluster.coordinatorLog()))
                .contains("this coordinator stalled")
                .doesNotContain("removed from membership");
        load.close();
        load.report("Coordinator frozen for " + OUTAGE.toSeconds() + " s");
        assertThat(load.failures()).as("failed client operations").isEmpty();
        try (var verifier = cluster.newClient()) {
            load.verify(verifier);
        }
    }

    @Test
    void clientsReadAndWriteWhileTheCoordinatorIsDeadAndAfterItComesBack() throws Exception {
        MiniCluster cluster = clusters.start(builder -> builder.workers(3).separateProcesses(true));
        ClusterLoad load = clusters.closeAfter(ClusterLoad.start(cluster.newClient(), "/outage"));
        load.awaitOperations(30);
        cluster.coordinator().kill();
        long before = load.operations();
        Thread.sleep(OUTAGE.toMillis());
        assertThat(load.operations()).as("operations while the coordinator was dead").isGreaterThan(before + 10);

        cluster.restartCoordinator();
        cluster.awaitMembership(3, Eventually.TIMEOUT);
        load.awaitOperations(load.operations() + 30);
        load.close();
        load.report("Coordinator dead for " + OUTAGE.toSeconds() + " s");
        assertThat(load.failures()).as("failed client operations").isEmpty();
        try (var verifier = cluster.newClient()) {
            load.verify(verifier);
        }
    }
}
