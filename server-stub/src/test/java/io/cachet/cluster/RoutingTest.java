package io.cachet.cluster;

import io.cachet.client.CachetClient;
import io.cachet.minicluster.MiniCluster;
import io.cachet.routing.WorkerAddress;
import io.cachet.rpc.proto.WorkerMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Paths go to the worker the ring assigns; membership changes move only the share that must move. */
class RoutingTest {
    private static final List<String> PATHS = IntStream.range(0, 30).mapToObj(i -> "/routing/file-" + i).toList();

    @RegisterExtension
    final ClusterFixture clusters = ClusterFixture.plaintext();

    @Test
    void eachWorkerServesThePathsTheRingAssignsAndAFourthTakesOnlyItsShare() throws IOException {
        MiniCluster cluster = clusters.start(builder -> builder.workers(3));
        CachetClient client = clusters.client(cluster);
        Map<String, Long> expectedBytes = new HashMap<>();
        Map<String, String> ownerBefore = new HashMap<>();
        for (String path : PATHS) {
            int size = 1000 + path.length() * 37;
            ClusterFiles.write(client, path, size);
            String owner = client.owner(path).id();
            ownerBefore.put(path, owner);
            expectedBytes.merge(owner, (long) size, Long::sum);
        }
        for (String path : PATHS) {
            assertThat(ClusterFiles.read(client, path)).isEqualTo(ClusterFiles.content(path, 1000 + path.length() * 37));
        }
        for (WorkerAddress worker : client.workers()) {
            WorkerMetrics metrics = client.workerMetrics(worker);
            assertThat(metrics.getBytesRead()).as("bytes served by " + worker.id()).isEqualTo(expectedBytes.getOrDefault(worker.id(), 0L));
        }

        // Where many more paths would go, so that the newcomer's share is never empty by chance (ids, so places, change each run).
        Map<String, String> probeOwnerBefore = new HashMap<>();
        for (int i = 0; i < 1000; i++) {
            probeOwnerBefore.put("/probe/" + i, client.owner("/probe/" + i).id());
        }

        cluster.addWorker();
        client.refreshMembership();
        assertThat(client.workers()).hasSize(4);
        String newcomer = client.workers().stream().map(WorkerAddress::id).filter(id -> !ownerBefore.containsValue(id)).findFirst().orElseThrow();
        int moved = 0;
        for (String path : PATHS) {
            String owner = client.owner(path).id();
            if (!owner.equals(ownerBefore.get(path))) {
                assertThat(owner).as(path + " may only move to the new worker").isEqualTo(newcomer);
                moved++;
            }
            assertThat(ClusterFiles.read(client, path)).hasSize(1000 + path.length() * 37);
        }
        assertThat(moved).isLessThan(PATHS.size());
        int probesMoved = 0;
        for (Map.Entry<String, String> probe : probeOwnerBefore.entrySet()) {
            String owner = client.owner(probe.getKey()).id();
            if (!owner.equals(probe.getValue())) {
                assertThat(owner).as(probe.getKey() + " may only move to the new worker").isEqualTo(newcomer);
                probesMoved++;
            }
        }
        assertThat(probesMoved).as("paths of 1000 that move to the fourth worker: about a quarter").isBetween(100, 400);
    }

    @Test
    void aKilledWorkerIsExpiredAndItsPathsAreReadThroughTheNewOwner() throws IOException {
        MiniCluster cluster = clusters.start(builder -> builder.workers(3).separateProcesses(true));
        CachetClient client = clusters.client(cluster);
        for (String path : PATHS) {
            ClusterFiles.write(client, path, 4096);
        }
        MiniCluster.Node victim = cluster.workers().get(0);
        String victimId = client.workers().stream().filter(worker -> worker.rpcPort() == victim.rpcPort()).findFirst().orElseThrow().id();
        List<String> victimPaths = PATHS.stream().filter(path -> {
            try {
                return client.owner(path).id().equals(victimId);
            }
            catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).toList();
        assertThat(victimPaths).isNotEmpty();

        victim.kill();

        // Before the coordinator notices: the client routes around the silent worker.
        for (String path : victimPaths) {
            assertThat(ClusterFiles.read(client, path)).isEqualTo(ClusterFiles.content(path, 4096));
        }
        cluster.awaitMembership(2, Duration.ofSeconds(30));
        client.refreshMembership();
        assertThat(client.workers()).extracting(WorkerAddress::id).doesNotContain(victimId);
        for (String path : PATHS) {
            assertThat(client.owner(path).id()).isNotEqualTo(victimId);
            assertThat(ClusterFiles.read(client, path)).isEqualTo(ClusterFiles.content(path, 4096));
        }
    }
}
