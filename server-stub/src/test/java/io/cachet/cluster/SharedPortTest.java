package io.cachet.cluster;

import io.cachet.client.CachetClient;
import io.cachet.client.FileStatus;
import io.cachet.minicluster.MiniCluster;
import io.cachet.tls.TestPki;
import io.cachet.worker.WorkerServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** transitional: one port per plane serves TLS and plaintext clients alike, and silent or half-open connections are closed. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SharedPortTest {
    @RegisterExtension
    static final ClusterFixture clusters = ClusterFixture.tls("Shared Port CA");

    private MiniCluster cluster;

    @BeforeAll
    void start() throws IOException {
        cluster = clusters.start(builder -> builder.workers(1)
                .property("cachet.network.tls.internode.encryption", "transitional")
                .property("cachet.network.tls.handshake.timeout", "1s"));
    }

    @Test
    void tlsAndPlaintextClientsShareEachPort() throws Exception {
        WorkerServer worker = cluster.workerServer(0);
        long tlsBefore = worker.connections().tlsHandshakes();
        long plainBefore = worker.connections().plaintextConnections();

        Map<String, String> plaintext = new HashMap<>(Map.of("cachet.coordinator.address", "localhost:" + cluster.coordinatorPort()));
        try (CachetClient client = CachetClient.connect(TestPki.config(plaintext))) {
            // Bytes and status on the data port, a listing on the RPC port.
            ClusterFiles.write(client, "/shared/plain.bin", 70_000);
            assertThat(ClusterFiles.read(client, "/shared/plain.bin")).isEqualTo(ClusterFiles.content("/shared/plain.bin", 70_000));
            assertThat(client.list("/shared")).extracting(FileStatus::path).contains("/shared/plain.bin");
        }
        try (CachetClient client = CachetClient.connect(TestPki.config(clusters.trustingClientSettings(cluster)))) {
            assertThat(ClusterFiles.read(client, "/shared/plain.bin")).isEqualTo(ClusterFiles.content("/shared/plain.bin", 70_000));
            assertThat(client.list("/shared")).extracting(FileStatus::path).contains("/shared/plain.bin");
        }

        assertThat(worker.connections().plaintextConnections()).as("plaintext on the worker's ports").isGreaterThanOrEqualTo(plainBefore + 2);
        assertThat(worker.connections().tlsHandshakes()).as("TLS on the same ports").isGreaterThanOrEqualTo(tlsBefore + 2);
    }

    @Test
    void silentAndHalfOpenConnectionsAreClosedOnBothPlanes() throws Exception {
        WorkerServer worker = cluster.workerServer(0);
        for (int port : new int[] {worker.dataPort(), worker.rpcPort()}) {
            long refusedBefore = worker.connections().refusedConnections();
            try (Socket silent = new Socket()) {
                silent.connect(new InetSocketAddress("127.0.0.1", port));
                silent.setSoTimeout(10_000);
                assertThat(silent.getInputStream().read()).as("a connection that sends nothing is closed").isEqualTo(-1);
            }
            try (Socket halfOpen = new Socket()) {
                halfOpen.connect(new InetSocketAddress("127.0.0.1", port));
                // The handshake timeout is 1s on both planes (not Netty's default 10s on the gRPC one): 5s is ample.
                halfOpen.setSoTimeout(5_000);
                // The first byte of a TLS record, then nothing: the handshake times out.
                halfOpen.getOutputStream().write(0x16);
                halfOpen.getOutputStream().flush();
                InputStream in = halfOpen.getInputStream();
                while (true) {
                    int read = in.read();
                    if (read == -1) {
                        break;
                    }
                }
            }
            assertThat(worker.connections().refusedConnections()).isGreaterThanOrEqualTo(refusedBefore + 2);
        }
    }
}
