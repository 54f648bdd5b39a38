package io.cachet.cluster;

import io.cachet.client.CachetClient;
import io.cachet.conf.CachetConfig;
import io.cachet.conf.ConfigException;
import io.cachet.minicluster.MiniCluster;
import io.cachet.routing.WorkerAddress;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A plaintext client at a TLS server and a TLS client at a plaintext server each learn exactly that, on both planes. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsMismatchTest {
    @RegisterExtension
    static final ClusterFixture clusters = ClusterFixture.plaintextWithCa("Mismatch CA");

    private MiniCluster tlsCluster;
    private MiniCluster plainCluster;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @BeforeAll
    void start() throws Exception {
        clusters.closeAfter(() -> group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS));
        tlsCluster = clusters.start(builder -> builder.workers(1).properties(clusters.tlsNodeSettings()));
        plainCluster = clusters.start(builder -> builder.workers(1));
    }

    @Test
    void plaintextClientAtATlsClusterIsToldToTurnTlsOn() {
        Map<String, String> plaintextClient = new HashMap<>(tlsCluster.clientProperties());
        plaintextClient.put("cachet.network.tls.enabled", "false");

        assertThatThrownBy(() -> CachetClient.connect(config(plaintextClient)))
                .isInstanceOf(TlsHandshakeException.class)
                .hasMessageContaining("Plaintext client: server localhost:" + tlsCluster.coordinatorPort() + " speaks TLS, and this client has TLS off")
                .hasMessageContaining("Fix: set cachet.network.tls.enabled=true");
        assertThat(tlsCluster.coordinatorServer().connections().refusedConnections()).isPositive();
    }

    @Test
    void tlsClientAtAPlaintextClusterIsToldTheServerIsPlaintext() {
        Map<String, String> tlsClient = new HashMap<>(plainCluster.clientProperties());
        tlsClient.putAll(clusters.pki().trustSettings());
        long refusedBefore = plainCluster.coordinatorServer().connections().refusedConnections();

        assertThatThrownBy(() -> CachetClient.connect(config(tlsClient)))
                .isInstanceOf(TlsHandshakeException.class)
                .hasMessageContaining("TLS client: server localhost:" + plainCluster.coordinatorPort() + " answered in plaintext; that port does not speak TLS")
                .hasMessageContaining("cachet.network.tls.enabled=false");
        assertThat(plainCluster.coordinatorServer().connections().refusedConnections()).isGreaterThan(refusedBefore);
    }

    @Test
    void dataPlaneMismatchesAreReportedBothWays() throws Exception {
        WorkerServer tlsWorker = tlsCluster.workerServer(0);
        WorkerAddress tlsAddress = new WorkerAddress(tlsWorker.id(), "localhost", tlsWorker.rpcPort(), tlsWorker.dataPort(), "dc1", "rack1", true, TransferProtocol.DATA_PROTOCOL);
        long refusedBefore = tlsWorker.connections().refusedConnections();
        try (DataConnection plaintext = DataConnection.open(bootstrap(), tlsAddress, Optional.empty(), Duration.ofSeconds(5))) {
            plaintext.send(TransferProtocol.read(ByteBufAllocator.DEFAULT, "/x", 0, 10));
            assertThatThrownBy(() -> plaintext.next(Duration.ofSeconds(10)))
                    .isInstanceOf(TlsHandshakeException.class)
                    .hasMessageContaining("speaks TLS, and this client has TLS off");
        }
        assertThat(tlsWorker.connections().refusedConnections()).isGreaterThan(refusedBefore);

        WorkerServer plainWorker = plainCluster.workerServer(0);
        WorkerAddress plainAddress = new WorkerAddress(plainWorker.id(), "localhost", plainWorker.rpcPort(), plainWorker.dataPort(), "dc1", "rack1", false, TransferProtocol.DATA_PROTOCOL);
        TlsContexts clientTls = TlsContexts.load(TlsSettings.from(config(clusters.pki().trustSettings())));
        assertThatThrownBy(() -> DataConnection.open(bootstrap(), plainAddress, Optional.of(clientTls), Duration.ofSeconds(5)))
                .isInstanceOf(TlsHandshakeException.class)
                .hasMessageContaining("answered in plaintext; that port does not speak TLS");
        assertThat(plainWorker.connections().refusedConnections()).isPositive();
    }

    @Test
    void zeroCopyTransferWithTlsIsRefusedAtStartUp(@TempDir Path directory) {
        Map<String, String> settings = clusters.tlsNodeSettings();
        settings.put("cachet.worker.network.netty.file.transfer", "transfer");
        settings.put("cachet.worker.cache.dir", directory.resolve("cache").toString());
        settings.put("cachet.worker.ufs.root", directory.toUri().toString());

        assertThatThrownBy(() -> WorkerServer.start(config(settings)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cachet.worker.network.netty.file.transfer=transfer cannot be used with TLS")
                .hasMessageContaining("past the TLS engine")
                .hasMessageContaining("Fix: set it to auto (or mapped)");
    }

    private Bootstrap bootstrap() {
        return new Bootstrap().group(group).channel(NioSocketChannel.class);
    }

    private static CachetConfig config(Map<String, String> properties) {
        return CachetConfig.builder().environment(Map.of()).systemProperties(new Properties()).classLoader(new ClassLoader(null) {})
                .engineProperties("test", properties).build();
    }
}
