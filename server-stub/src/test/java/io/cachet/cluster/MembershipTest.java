package io.cachet.cluster;

import io.cachet.client.CachetClient;
import io.cachet.minicluster.MiniCluster;
import io.cachet.routing.WorkerAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Workers register, advertise where they sit, and register again when the coordinator comes back. */
class MembershipTest {
    @RegisterExtension
    final ClusterFixture clusters = ClusterFixture.plaintext();

    @Test
    void workersAdvertiseTheirPlaceAndRegisterAgainAfterACoordinatorRestart() throws IOException {
        MiniCluster cluster = clusters.start(builder -> builder.workers(2).separateProcesses(true)
                .property("cachet.node.dc", "east").property("cachet.node.rack", "r7"));
        try (CachetClient client = cluster.newClient()) {
            assertThat(client.workers()).hasSize(2).allSatisfy(worker -> {
                assertThat(worker.dc()).isEqualTo("east");
                assertThat(worker.rack()).isEqualTo("r7");
                assertThat(worker.tls()).isFalse();
                assertThat(worker.dataPort()).isPositive();
            });
            ClusterFiles.write(client, "/membership/before.txt", 100);
        }

        cluster.restartCoordinator();

        cluster.awaitMembership(2, Duration.ofSeconds(30));
        try (CachetClient client = cluster.newClient()) {
            assertThat(client.workers()).extracting(WorkerAddress::id).doesNotHaveDuplicates().hasSize(2);
            assertThat(ClusterFiles.read(client, "/membership/before.txt")).isEqualTo(ClusterFiles.content("/membership/before.txt", 100));
        }
    }
}
