package io.cachet.cluster;

import io.cachet.client.CachetClient;
import io.cachet.minicluster.MiniCluster;
import io.cachet.routing.WorkerAddress;
import io.cachet.rpc.proto.JobStatus;
import io.cachet.rpc.proto.WorkerMetrics;
import io.cachet.server.InternodePeers;
import io.cachet.worker.WorkerServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.FileNotFoundException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Load and free jobs over a TLS cluster: the coordinator lists the tree, hands each owning worker its
 * files (coordinator-to-worker calls over TLS), and reports progress until every task is done; the
 * owners' cache counters show the pages arrived and left.
 */
@Timeout(120)
class CacheJobsTest {
    private static final int PAGE = 64 << 10;
    // Sizes around page edges, in a tree two levels deep.
    private static final Map<String, Integer> FILES = files();

    @RegisterExtension
    final ClusterFixture clusters = ClusterFixture.tls("Jobs CA");

    @Test
    void loadWarmsTheOwnersCachesAndFreeEmptiesThem() throws Exception {
        MiniCluster cluster = clusters.start(builder -> builder.workers(3).property("cachet.worker.page.size", String.valueOf(PAGE)));
        CachetClient client = clusters.client(cluster);
        for (Map.Entry<String, Integer> file : FILES.entrySet()) {
            ClusterFiles.write(client, file.getKey(), file.getValue());
        }
        Map<String, Long> pagesPerOwner = new HashMap<>();
        for (Map.Entry<String, Integer> file : FILES.entrySet()) {
            pagesPerOwner.merge(client.owner(file.getKey()).id(), pages(file.getValue()), Long::sum);
        }
        long totalPages = pagesPerOwner.values().stream().mapToLong(Long::longValue).sum();
        long totalBytes = FILES.values().stream().mapToLong(Integer::longValue).sum();
        Map<String, WorkerMetrics> before = metrics(client);

        List<JobStatus> reports = new ArrayList<>();
        JobStatus loaded = client.load("/warehouse", reports::add);

        assertThat(loaded.getFinished()).isTrue();
        assertThat(loaded.getFailuresList()).isEmpty();
        assertThat(loaded.getTotalFiles()).isEqualTo(FILES.size());
        assertThat(loaded.getFilesDone()).isEqualTo(FILES.size());
        assertThat(loaded.getTotalBytes()).isEqualTo(totalBytes);
        assertThat(loaded.getBytesDone()).isEqualTo(totalBytes);
        assertThat(loaded.getWorkers()).isEqualTo(pagesPerOwner.size());
        assertThat(loaded.getPagesChanged()).isEqualTo(totalPages);
        assertThat(reports).as("a report per file and a first and last one").hasSizeGreaterThanOrEqualTo(FILES.size() + 2);
        assertThat(reports.get(0).getFilesDone()).isZero();
        assertThat(reports).extracting(JobStatus::getBytesDone).isSorted();

        Map<String, WorkerMetrics> afterLoad = metrics(client);
        for (Map.Entry<String, Long> owner : pagesPerOwner.entrySet()) {
            assertThat(afterLoad.get(owner.getKey()).getCachedPages() - before.get(owner.getKey()).getCachedPages())
                    .as("pages cached on " + owner.getKey()).isEqualTo(owner.getValue());
        }
        for (Map.Entry<String, Integer> file : FILES.entrySet()) {
            assertThat(ClusterFiles.read(client, file.getKey())).isEqualTo(ClusterFiles.content(file.getKey(), file.getValue()));
        }
        Map<String, WorkerMetrics> afterRead = metrics(client);
        for (String owner : pagesPerOwner.keySet()) {
            assertThat(afterRead.get(owner).getCacheMisses()).as("misses on " + owner + " after the load").isEqualTo(afterLoad.get(owner).getCacheMisses());
            assertThat(afterRead.get(owner).getCacheHits() - afterLoad.get(owner).getCacheHits()).isEqualTo(pagesPerOwner.get(owner));
        }
        int ownersChecked = 0;
        for (int i = 0; i < 3; i++) {
            WorkerServer worker = cluster.workerServer(i);
            if (!pagesPerOwner.containsKey(worker.id())) {
                continue; // placement is by hash of ids that change each run: a worker may own none of the files
            }
            InternodePeers.Peer coordinator = worker.internodePeers().all().stream()
                    .filter(peer -> peer.id().startsWith("coordinator@")).findFirst()
                    .orElseThrow(() -> new AssertionError("no call from the coordinator recorded on " + worker.id()));
            assertThat(coordinator.tlsCalls()).as("coordinator to worker %s over TLS", worker.id()).isPositive();
            assertThat(coordinator.plaintextCalls()).isZero();
            ownersChecked++;
        }
        assertThat(ownersChecked).as("every owner is one of the cluster's workers").isEqualTo(pagesPerOwner.size());

        JobStatus again = client.load("/warehouse/", status -> {});
        assertThat(again.getPagesChanged()).as("a second load reads nothing").isZero();
        assertThat(again.getPagesAlreadyCached()).isEqualTo(totalPages);

        JobStatus freed = client.free("/warehouse", status -> {});
        assertThat(freed.getFinished()).isTrue();
        assertThat(freed.getPagesChanged()).isEqualTo(totalPages);
        Map<String, WorkerMetrics> afterFree = metrics(client);
        for (String owner : pagesPerOwner.keySet()) {
            assertThat(afterFree.get(owner).getCachedPages()).as("pages left on " + owner).isEqualTo(before.get(owner).getCachedPages());
        }
        String one = "/warehouse/sales/part-2";
        ClusterFiles.read(client, one);
        assertThat(client.workerMetrics(client.owner(one)).getCacheMisses())
                .as("a freed file is read from the under-file-system again").isGreaterThan(afterFree.get(client.owner(one).id()).getCacheMisses());

        assertThatThrownBy(() -> client.load("/warehouse/missing", status -> {}))
                .isInstanceOf(FileNotFoundException.class)
                .hasMessageContaining("/warehouse/missing");
    }

    private static Map<String, WorkerMetrics> metrics(CachetClient client) {
        return client.workers().stream().collect(Collectors.toMap(WorkerAddress::id, client::workerMetrics));
    }

    private static long pages(int size) {
        return (size + PAGE - 1) / PAGE;
    }

    private static Map<String, Integer> files() {
        Map<String, Integer> files = new LinkedHashMap<>();
        int[] sizes = {0, 1, PAGE - 1, PAGE, PAGE + 1, 3 * PAGE + 17};
        for (int i = 0; i < 12; i++) {
            files.put("/warehouse/" + (i % 2 == 0 ? "sales" : "sales/2026") + "/part-" + i, sizes[i % sizes.length] + i);
        }
        return files;
    }
}
