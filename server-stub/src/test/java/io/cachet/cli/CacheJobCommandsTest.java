package io.cachet.cli;

import io.cachet.client.CachetClient;
import io.cachet.minicluster.MiniCluster;
import io.cachet.rpc.proto.WorkerMetrics;
import io.cachet.tls.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code cachet load} and {@code cachet free} against a TLS cluster: progress, a summary, and the cache counters to match. */
@Timeout(120)
class CacheJobCommandsTest {
    @Test
    void loadShowsProgressAndLeavesTheDataCachedThenFreeDropsIt(@TempDir Path directory) throws Exception {
        TestPki pki = TestPki.create(directory, "Cli jobs CA");
        try (MiniCluster cluster = MiniCluster.builder(directory.resolve("cluster")).workers(2)
                .properties(pki.nodeSettings(pki.server(TestPki.LOOPBACK_HOSTS)))
                .property("cachet.worker.page.size", "64KiB")
                .start();
                CachetClient client = cluster.newClient()) {
            for (int i = 0; i < 20; i++) {
                try (OutputStream out = client.create("/cli/table/part-" + i, true, true)) {
                    out.write(new byte[100_000]);
                }
            }
            List<String> settings = new ArrayList<>();
            for (Map.Entry<String, String> entry : pki.trustSettings().entrySet()) {
                settings.add("--set");
                settings.add(entry.getKey() + "=" + entry.getValue());
            }
            settings.add("--set");
            settings.add("cachet.coordinator.address=localhost:" + cluster.coordinatorPort());

            CachetCli.Run load = CachetCli.run(command("load", "/cli/table", settings));

            assertThat(load.exitCode()).as(load.err()).isZero();
            assertThat(load.out())
                    .contains("load /cli/table [", "  0% 0 B of 1.9 MiB, 0 of 20 files, 2 workers")
                    .contains("load /cli/table [##############################] 100% 1.9 MiB of 1.9 MiB, 20 of 20 files, 2 workers")
                    .contains("Loaded 20 files (1.9 MiB) into the caches of 2 workers: 40 pages read, 0 already cached");
            assertThat(cachedPages(client)).as("pages cached on the owners").isEqualTo(40);

            CachetCli.Run free = CachetCli.run(command("free", "/cli/table", settings));
            assertThat(free.exitCode()).as(free.err()).isZero();
            assertThat(free.out()).contains("Freed 20 files (1.9 MiB) on 2 workers: 40 pages dropped");
            assertThat(cachedPages(client)).isZero();

            CachetCli.Run missing = CachetCli.run(command("load", "/cli/nothing-here", settings));
            assertThat(missing.exitCode()).isEqualTo(2);
            assertThat(missing.err()).contains("cachet: ", "/cli/nothing-here");
        }
    }

    private static long cachedPages(CachetClient client) {
        return client.workers().stream().map(client::workerMetrics).mapToLong(WorkerMetrics::getCachedPages).sum();
    }

    private static String[] command(String name, String path, List<String> settings) {
        List<String> args = new ArrayList<>(List.of(name, path));
        args.addAll(settings);
        return args.toArray(String[]::new);
    }
}
