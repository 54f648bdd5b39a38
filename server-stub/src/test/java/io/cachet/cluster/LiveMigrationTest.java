package io.cachet.cluster;

import io.cachet.client.CachetClient;
import io.cachet.minicluster.MiniCluster;
import io.cachet.tls.TestPki;
import io.cachet.tls.TlsHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A running cluster (coordinator and three workers, each a JVM of its own) moves from plaintext to
 * TLS and back by rolling restarts, under continuous client writes and verified reads:
 * none -> TLS material present -> transitional -> all -> transitional -> none. No client operation may
 * fail, no write may be lost or corrupted, and under "all" no plaintext connection is accepted.
 */
class LiveMigrationTest {
    @RegisterExtension
    final ClusterFixture clusters = ClusterFixture.plaintextWithCa("Migration CA");

    @Test
    void plaintextToTlsAndBackWithoutAFailedOperation() throws Exception {
        Map<String, String> material = clusters.tlsNodeSettings();
        material.put("cachet.network.tls.enabled", "false");
        Map<String, String> transitional = new HashMap<>(material);
        transitional.put("cachet.network.tls.internode.encryption", "transitional");
        Map<String, String> all = clusters.tlsNodeSettings();
        Map<String, String> backToTransitional = new HashMap<>(all);
        backToTransitional.put("cachet.network.tls.internode.encryption", "transitional");

        MiniCluster cluster = clusters.start(builder -> builder.workers(3).separateProcesses(true));
        String coordinator = "localhost:" + cluster.coordinatorPort();
        ClusterLoad load = clusters.closeAfter(ClusterLoad.start(CachetClient.connect(TestPki.config(Map.of("cachet.coordinator.address", coordinator))), "/migration"));
        load.awaitOperations(50);

        rollingRestart(cluster, material, true);
        rollingRestart(cluster, transitional, true);
        Map<String, String> tlsClient = clusters.pki().trustSettings();
        tlsClient.put("cachet.coordinator.address", coordinator);
        load.switchTo(CachetClient.connect(TestPki.config(tlsClient)));
        rollingRestart(cluster, all, true);

        Map<String, String> plaintextClient = Map.of("cachet.coordinator.address", coordinator);
        assertThatThrownBy(() -> CachetClient.connect(TestPki.config(plaintextClient)))
                .as("under all, plaintext is refused").isInstanceOf(TlsHandshakeException.class)
                .hasMessageContaining("speaks TLS, and this client has TLS off");
        load.awaitOperations(load.operations() + 50);

        rollingRestart(cluster, backToTransitional, true);
        load.switchTo(CachetClient.connect(TestPki.config(plaintextClient)));
        // Downgrade: workers first, so nothing sends TLS to a node that no longer takes it.
        rollingRestart(cluster, Map.of(), false);

        load.awaitOperations(load.operations() + 50);
        load.close();

        load.report("Live migration");
        assertThat(load.failures()).as("failed client operations").isEmpty();
        try (CachetClient verifier = CachetClient.connect(TestPki.config(plaintextClient))) {
            load.verify(verifier);
        }
        assertThat(load.written()).hasSizeGreaterThan(100);
    }

    /** Applies {@code properties} to every node, one at a time: coordinator first on the way up, last on the way down. */
    private static void rollingRestart(MiniCluster cluster, Map<String, String> properties, boolean coordinatorFirst) throws IOException {
        cluster.reconfigure(properties);
        if (coordinatorFirst) {
            cluster.restartCoordinator();
            cluster.awaitMembership(3, Duration.ofSeconds(60));
        }
        for (int i = 0; i < cluster.workers().size(); i++) {
            cluster.restartWorker(i);
        }
        if (!coordinatorFirst) {
            cluster.restartCoordinator();
            cluster.awaitMembership(3, Duration.ofSeconds(60));
        }
    }
}
