package io.cachet.cluster;

import io.cachet.client.CachetClient;
import io.cachet.minicluster.MiniCluster;
import io.cachet.routing.WorkerAddress;
import io.cachet.rpc.proto.WorkerMetrics;
import io.cachet.testing.Eventually;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class PageCacheTest {
    private static final int PAGE = 64 << 10;

    @RegisterExtension
    final ClusterFixture clusters = ClusterFixture.plaintext();

    @Test
    void secondReadIsServedFromCacheAndAChangeInTheUfsIsNoticed() throws Exception {
        MiniCluster cluster = cluster(64 * PAGE);
        CachetClient client = clusters.client(cluster);
        WorkerAddress worker = client.workers().get(0);
        byte[] content = ClusterFiles.write(client, "/cache/three-pages.bin", 3 * PAGE);

        assertThat(ClusterFiles.read(client, "/cache/three-pages.bin")).isEqualTo(content);
        WorkerMetrics afterFirst = client.workerMetrics(worker);
        assertThat(afterFirst.getCacheMisses()).isEqualTo(3);
        assertThat(afterFirst.getCacheHits()).isZero();
        ClusterFiles.awaitCachedPages(client, 3);

        assertThat(ClusterFiles.read(client, "/cache/three-pages.bin")).isEqualTo(content);
        WorkerMetrics afterSecond = client.workerMetrics(worker);
        assertThat(afterSecond.getCacheHits()).isEqualTo(3);
        assertThat(afterSecond.getCacheMisses()).isEqualTo(3);

        // Same length, new bytes, written behind Cachet's back.
        byte[] changed = ClusterFiles.content("/cache/changed", 3 * PAGE);
        Path local = cluster.ufsRoot().resolve("cache/three-pages.bin");
        Files.write(local, changed);
        Files.setLastModifiedTime(local, FileTime.from(Instant.now().plusSeconds(5)));

        assertThat(ClusterFiles.read(client, "/cache/three-pages.bin")).isEqualTo(changed);
        assertThat(client.workerMetrics(worker).getCacheMisses()).isEqualTo(6);
    }

    @Test
    void evictionKeepsTheCacheWithinItsSize() throws Exception {
        MiniCluster cluster = cluster(4 * PAGE);
        CachetClient client = clusters.client(cluster);
        WorkerAddress worker = client.workers().get(0);
        byte[] content = ClusterFiles.write(client, "/cache/ten-pages.bin", 10 * PAGE);

        assertThat(ClusterFiles.read(client, "/cache/ten-pages.bin")).isEqualTo(content);
        // Pages are written to the cache just after they are served: all ten are in once six have been evicted.
        Eventually.await("all ten pages cached, six of them evicted", () -> client.workerMetrics(worker).getEvictedPages() == 6);

        WorkerMetrics metrics = client.workerMetrics(worker);
        assertThat(metrics.getCachedBytes()).isLessThanOrEqualTo(4L * PAGE);
        assertThat(metrics.getCachedPages()).isEqualTo(4);
        assertThat(metrics.getEvictedPages()).isEqualTo(6);
        // An evicted page's file is deleted just after it is counted.
        Eventually.await("four page files left", () -> pageFiles(cluster) == 4);
    }

    private static long pageFiles(MiniCluster cluster) throws IOException {
        try (var files = Files.walk(cluster.workerCacheDirectory(0).resolve("pages"))) {
            return files.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void aRestartedWorkerKeepsItsIdAndItsCache() throws Exception {
        MiniCluster cluster = cluster(64 * PAGE);
        String id;
        byte[] content;
        try (CachetClient client = cluster.newClient()) {
            id = client.workers().get(0).id();
            content = ClusterFiles.write(client, "/cache/kept.bin", 2 * PAGE);
            ClusterFiles.read(client, "/cache/kept.bin");
            ClusterFiles.awaitCachedPages(client, 2);
        }

        cluster.restartWorker(0);

        try (CachetClient client = cluster.newClient()) {
            WorkerAddress worker = client.workers().get(0);
            assertThat(worker.id()).isEqualTo(id);
            assertThat(ClusterFiles.read(client, "/cache/kept.bin")).isEqualTo(content);
            WorkerMetrics metrics = client.workerMetrics(worker);
            assertThat(metrics.getCacheHits()).isEqualTo(2);
            assertThat(metrics.getCacheMisses()).isZero();
        }
    }

    private MiniCluster cluster(long cacheSize) throws IOException {
        return clusters.start(builder -> builder.workers(1)
                .property("cachet.worker.page.size", String.valueOf(PAGE))
                .property("cachet.worker.cache.size", String.valueOf(cacheSize)));
    }
}
