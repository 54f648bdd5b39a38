package io.cachet.cluster;

import io.cachet.certs.IssuedCertificate;
import io.cachet.client.CachetClient;
import io.cachet.conf.CachetConfig;
import io.cachet.minicluster.MiniCluster;
import io.cachet.routing.WorkerAddress;
import io.cachet.rpc.proto.WorkerInfo;
import io.cachet.server.InternodePeers;
import io.cachet.tls.TestPki;
import io.cachet.tls.TlsContexts;
import io.cachet.tls.TlsHandshakeException;
import io.cachet.tls.TlsSettings;
import io.cachet.transfer.DataConnection;
import io.cachet.transfer.TransferProtocol;
import io.cachet.worker.WorkerServer;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** client.auth and revocation on every plane of a running cluster: coordinator RPC, worker RPC, worker data. */
class MutualTlsClusterTest {
    @RegisterExtension
    final ClusterFixture clusters = ClusterFixture.tls("Mutual CA");

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void requiredRefusesClientsWithoutACertificateOrFromAnotherCaOnEveryPlane(String provider) throws Exception {
        TestPki pki = clusters.pki();
        TestPki stranger = TestPki.create(clusters.directory(), "Stranger CA");
        MiniCluster cluster = clusters.start(builder -> builder.workers(1)
                .property("cachet.network.tls.provider", provider)
                .property("cachet.network.tls.client.auth", "required"));
        // The worker registered: it presented its own certificate to the coordinator.
        Map<String, String> member = withProvider(pki.nodeSettings(pki.client("member")), provider);
        member.put("cachet.coordinator.address", "localhost:" + cluster.coordinatorPort());
        try (CachetClient client = CachetClient.connect(config(member))) {
            ClusterFiles.write(client, "/mutual/file.bin", 100_000);
            assertThat(ClusterFiles.read(client, "/mutual/file.bin")).hasSize(100_000);
        }
        WorkerServer worker = cluster.workerServer(0);
        assertThat(worker.connections().peersWithCertificate()).isEqualTo(worker.connections().tlsHandshakes()).isPositive();

        Map<String, String> anonymous = withProvider(pki.trustSettings(), provider);
        anonymous.put("cachet.coordinator.address", "localhost:" + cluster.coordinatorPort());
        assertThatThrownBy(() -> CachetClient.connect(config(anonymous)))
                .isInstanceOf(TlsHandshakeException.class)
                .hasMessageContaining("requires a client certificate (mutual TLS) and this client has none configured");
        assertRefusedOnDataPlane(worker, anonymous, "requires a client certificate");

        Map<String, String> foreign = withProvider(stranger.nodeSettings(stranger.client("foreigner")), provider);
        foreign.put("cachet.network.tls.truststore.path", pki.trustStore().toString());
        foreign.put("cachet.coordinator.address", "localhost:" + cluster.coordinatorPort());
        assertThatThrownBy(() -> CachetClient.connect(config(foreign))).isInstanceOf(TlsHandshakeException.class)
                .hasMessageContaining("refused this client's certificate (subject CN=foreigner");
        assertRefusedOnDataPlane(worker, foreign, "refused this client's certificate");

        // Peers: the worker authenticated to the coordinator with its certificate; a worker from another CA cannot join.
        InternodePeers.Peer registered = cluster.coordinatorServer().internodePeers().peer(worker.id()).orElseThrow();
        assertThat(registered.tlsCalls()).isPositive();
        assertThat(registered.certificateSubject()).as("the authenticated identity of the peer").hasValueSatisfying(subject -> assertThat(subject).contains("CN=localhost"));
        long refusedBefore = cluster.coordinatorServer().connections().refusedConnections();
        Map<String, String> foreignWorker = withProvider(stranger.nodeSettings(stranger.server(TestPki.LOOPBACK_HOSTS)), provider);
        foreignWorker.put("cachet.network.tls.truststore.path", pki.trustStore().toString());
        foreignWorker.put("cachet.network.tls.client.auth", "required");
        foreignWorker.put("cachet.coordinator.address", "localhost:" + cluster.coordinatorPort());
        foreignWorker.put("cachet.worker.cache.dir", clusters.directory().resolve("foreign-cache").toString());
        foreignWorker.put("cachet.worker.ufs.root", clusters.directory().resolve("foreign-ufs").toUri().toString());
        foreignWorker.put("cachet.worker.rpc.port", "0");
        foreignWorker.put("cachet.worker.data.port", "0");
        foreignWorker.put("cachet.worker.heartbeat.interval", "200ms");
        Files.createDirectories(clusters.directory().resolve("foreign-ufs"));
        try (WorkerServer intruder = WorkerServer.start(config(foreignWorker))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (cluster.coordinatorServer().connections().refusedConnections() == refusedBefore && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(cluster.coordinatorServer().connections().refusedConnections()).as("the coordinator refused the foreign peer").isGreaterThan(refusedBefore);
            assertThat(intruder.isRegistered()).isFalse();
            assertThat(cluster.coordinatorServer().membership().getWorkersList()).extracting(WorkerInfo::getId).doesNotContain(intruder.id());
        }
    }

    @Test
    void optionalAcceptsBothAndRecordsWhichPresentedACertificate() throws Exception {
        TestPki pki = clusters.pki();
        MiniCluster cluster = clusters.start(builder -> builder.workers(1).property("cachet.network.tls.client.auth", "optional"));
        WorkerServer worker = cluster.workerServer(0);
        long withBefore = worker.connections().peersWithCertificate();
        long allBefore = worker.connections().tlsHandshakes();

        Map<String, String> anonymous = pki.trustSettings();
        anonymous.put("cachet.coordinator.address", "localhost:" + cluster.coordinatorPort());
        try (CachetClient client = CachetClient.connect(config(anonymous))) {
            ClusterFiles.write(client, "/optional/anonymous.bin", 1000);
        }
        assertThat(worker.connections().tlsHandshakes()).isGreaterThan(allBefore);
        assertThat(worker.connections().peersWithCertificate()).as("the anonymous client presented nothing").isEqualTo(withBefore);

        Map<String, String> identified = pki.nodeSettings(pki.client("identified"));
        identified.put("cachet.coordinator.address", "localhost:" + cluster.coordinatorPort());
        try (CachetClient client = CachetClient.connect(config(identified))) {
            assertThat(ClusterFiles.read(client, "/optional/anonymous.bin")).hasSize(1000);
        }
        assertThat(worker.connections().peersWithCertificate()).isGreaterThan(withBefore);
    }

    @Test
    void revokedClientIsRefusedOnEveryPlane() throws Exception {
        TestPki pki = clusters.pki();
        IssuedCertificate revoked = pki.client("revoked-client");
        MiniCluster cluster = clusters.start(builder -> builder.workers(1)
                .property("cachet.network.tls.client.auth", "required")
                .property("cachet.network.tls.crl.path", pki.crl(List.of(revoked.leaf())).toString()));
        Map<String, String> client = pki.nodeSettings(revoked);
        client.put("cachet.coordinator.address", "localhost:" + cluster.coordinatorPort());

        assertThatThrownBy(() -> CachetClient.connect(config(client))).isInstanceOf(TlsHandshakeException.class)
                .hasMessageContaining("refused this client's certificate (subject CN=revoked-client");
        assertRefusedOnDataPlane(cluster.workerServer(0), client, "refused this client's certificate");
        assertThat(cluster.workerServer(0).connections().refusedConnections()).isPositive();
    }

    private static void assertRefusedOnDataPlane(WorkerServer worker, Map<String, String> settings, String message) throws Exception {
        long refusedBefore = worker.connections().refusedConnections();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            WorkerAddress address = new WorkerAddress(worker.id(), "localhost", worker.rpcPort(), worker.dataPort(), "dc1", "rack1", true, TransferProtocol.DATA_PROTOCOL);
            TlsContexts contexts = TlsContexts.load(TlsSettings.from(config(settings)));
            assertThatThrownBy(() -> {
                try (DataConnection connection = DataConnection.open(new Bootstrap().group(group).channel(NioSocketChannel.class), address, Optional.of(contexts),
                        Duration.ofSeconds(5))) {
                    // TLS 1.3: the server judges the client's certificate after the client's handshake is done.
                    connection.send(TransferProtocol.read(ByteBufAllocator.DEFAULT, "/x", 0, 1));
                    connection.next(Duration.ofSeconds(10));
                }
            }).isInstanceOf(IOException.class)
                    // The diagnosis when the server's alert arrives before its close; the close alone says what it likely means.
                    .satisfies(failure -> assertThat(failure.getMessage()).containsAnyOf(message, "refuses this client's certificate"));
        }
        finally {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        }
        assertThat(worker.connections().refusedConnections()).as("the worker refused it: " + message).isGreaterThan(refusedBefore);
    }

    private static Map<String, String> withProvider(Map<String, String> settings, String provider) {
        Map<String, String> copy = new HashMap<>(settings);
        copy.put("cachet.network.tls.provider", provider);
        return copy;
    }

    private static CachetConfig config(Map<String, String> properties) {
        return TestPki.config(properties);
    }
}
