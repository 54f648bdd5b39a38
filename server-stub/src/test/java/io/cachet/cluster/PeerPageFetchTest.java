package io.cachet.cluster;

import io.cachet.client.CachetClient;
import io.cachet.minicluster.MiniCluster;
import io.cachet.routing.WorkerAddress;
import io.cachet.rpc.proto.WorkerMetrics;
import io.cachet.server.InternodePeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A worker that becomes the owner of a path after a membership change first asks the previous owner
 * for the cached pages (worker-to-worker, over TLS here), and reads the under-file-system only for what
 * the previous owner does not have, exactly this version of the file.
 */
@Timeout(120)
class PeerPageFetchTest {
    private static final int PAGE = 64 << 10;
    private static final int SIZE = 2 * PAGE + 100;
    private static final List<String> PATHS = IntStream.range(0, 24).mapToObj(i -> "/moving/file-" + i).toList();

    @RegisterExtension
    final ClusterFixture clusters = ClusterFixture.tls("Peer CA");

    @Test
    void aNewOwnerTakesPagesFromThePreviousOwnersCache() throws Exception {
        // The first worker is only seconds old when the second joins: let it count as a previous owner at once.
        MiniCluster cluster = clusters.start(builder -> builder.workers(1).property("cachet.worker.page.size", String.valueOf(PAGE))
                .property("cachet.worker.peer.fetch.min.age", "0s"));
        CachetClient client = clusters.client(cluster);
        for (String path : PATHS) {
            ClusterFiles.write(client, path, SIZE);
            ClusterFiles.read(client, path);
        }
        ClusterFiles.awaitCachedPages(client, 3L * PATHS.size());
        String first = client.workers().get(0).id();

        cluster.addWorker();
        client.refreshMembership();
        WorkerAddress newcomer = client.workers().stream().filter(worker -> !worker.id().equals(first)).findFirst().orElseThrow();
        List<String> moved = new ArrayList<>();
        for (String path : PATHS) {
            if (client.owner(path).id().equals(newcomer.id())) {
                moved.add(path);
            }
        }
        assertThat(moved).isNotEmpty().hasSizeLessThan(PATHS.size());
        // One moved file changes in the under-file-system: the old owner's pages are of the old version and must not be used.
        String changed = moved.get(0);
        byte[] newContent = ClusterFiles.content(changed + "#2", SIZE + 7);
        Files.write(cluster.ufsRoot().resolve(changed.substring(1)), newContent);

        Map<String, byte[]> read = new HashMap<>();
        for (String path : moved) {
            read.put(path, ClusterFiles.read(client, path));
        }
        assertThat(read.get(changed)).isEqualTo(newContent);
        for (String path : moved.subList(1, moved.size())) {
            assertThat(read.get(path)).as(path).isEqualTo(ClusterFiles.content(path, SIZE));
        }

        WorkerMetrics metrics = client.workerMetrics(newcomer);
        long pagesPerFile = 3;
        assertThat(metrics.getPeerPagesFetched()).as("pages taken from the previous owner").isEqualTo(pagesPerFile * (moved.size() - 1));
        assertThat(metrics.getUfsPagesRead()).as("only the changed file is read from the under-file-system").isEqualTo(pagesPerFile);
        assertThat(metrics.getPeerFetchFailures()).isZero();
        assertThat(metrics.getPeerPageRequests()).as("every page of a moved file is asked of the previous owner").isEqualTo(pagesPerFile * moved.size());

        int newcomerIndex = cluster.workerServer(0).id().equals(newcomer.id()) ? 0 : 1;
        InternodePeers.Peer asker = cluster.workerServer(1 - newcomerIndex).internodePeers().peer(newcomer.id()).orElseThrow();
        assertThat(asker.tlsCalls()).as("worker to worker over TLS").isGreaterThanOrEqualTo(metrics.getPeerPagesFetched());
        assertThat(asker.plaintextCalls()).isZero();
    }

    @Test
    void workersThatStartTogetherAskNobody() throws Exception {
        // A new cluster: each worker's first membership list holds the other, but neither has served long enough to hold pages.
        MiniCluster cluster = clusters.start(builder -> builder.workers(2).property("cachet.worker.page.size", String.valueOf(PAGE)));
        CachetClient client = clusters.client(cluster);
        for (String path : PATHS) {
            ClusterFiles.write(client, path, SIZE);
            assertThat(ClusterFiles.read(client, path)).as(path).isEqualTo(ClusterFiles.content(path, SIZE));
        }
        long ufsPages = 0;
        for (WorkerAddress worker : client.workers()) {
            WorkerMetrics metrics = client.workerMetrics(worker);
            assertThat(metrics.getPeerPageRequests()).as("pages %s asked of a peer", worker.id()).isZero();
            ufsPages += metrics.getUfsPagesRead();
        }
        assertThat(ufsPages).as("every page came from the under-file-system").isEqualTo(3L * PATHS.size());
    }
}
