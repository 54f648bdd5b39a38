package io.cachet.cluster;

import io.cachet.client.CachetClient;
import io.cachet.conf.CachetConfig;
import io.cachet.minicluster.MiniCluster;
import io.cachet.routing.WorkerAddress;
import io.cachet.rpc.GrpcChannels;
import io.cachet.rpc.proto.InternodeServiceGrpc;
import io.cachet.rpc.proto.PageRequest;
import io.cachet.rpc.proto.WorkerMetrics;
import io.cachet.server.ConnectionPolicy;
import io.cachet.server.InternodePeers;
import io.cachet.server.NodeIdentity;
import io.cachet.server.NodeSecurity;
import io.cachet.tls.TestPki;
import io.cachet.tls.TlsSettings;
import io.cachet.worker.WorkerServer;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Which server-to-server connections each internode mode encrypts, seen from the receiving server per
 * calling peer, with real traffic: coordinator-to-worker load jobs and worker-to-worker page fetches.
 */
@Timeout(180)
class InternodeEncryptionTest {
    private static final int PAGE = 16 << 10;
    private static final int SIZE = 2 * PAGE;
    private static final List<String> PATHS = IntStream.range(0, 60).mapToObj(i -> "/places/file-" + i).toList();

    @RegisterExtension
    final ClusterFixture clusters = ClusterFixture.plaintextWithCa("Internode CA");

    @Test
    void dcModeIsPlaintextInsideADcAndTlsAcross() throws Exception {
        Map<String, String> node = clusters.tlsNodeSettings();
        node.put("cachet.network.tls.internode.encryption", "dc");
        node.put("cachet.worker.page.size", String.valueOf(PAGE));
        // The first workers are seconds old when the third joins: let them count as previous owners at once.
        node.put("cachet.worker.peer.fetch.min.age", "0s");
        MiniCluster cluster = clusters.start(builder -> builder.workers(2).properties(node)
                .coordinatorProperties(Map.of("cachet.node.dc", "dc1"))
                .workerProperties(0, Map.of("cachet.node.dc", "dc1"))
                .workerProperties(1, Map.of("cachet.node.dc", "dc2"))
                .workerProperties(2, Map.of("cachet.node.dc", "dc1")));
        CachetClient client = clusters.client(cluster);
        writeAndRead(client);
        WorkerServer dc1 = cluster.workerServer(0);
        WorkerServer dc2 = cluster.workerServer(1);

        // Coordinator (dc1) to workers: a load job lists through the owners and hands each its files.
        client.load("/places", status -> {});
        InternodePeers.Peer coordinatorSeenInDc1 = coordinator(dc1);
        assertThat(coordinatorSeenInDc1.plaintextCalls()).as("coordinator to a worker in its own dc: plaintext").isPositive();
        assertThat(coordinatorSeenInDc1.tlsCalls()).isZero();
        InternodePeers.Peer coordinatorSeenInDc2 = coordinator(dc2);
        assertThat(coordinatorSeenInDc2.tlsCalls()).as("coordinator to a worker in another dc: TLS").isPositive();
        assertThat(coordinatorSeenInDc2.plaintextCalls()).isZero();

        // Worker to worker: a third worker in dc1 takes over paths from both and fetches their pages.
        Map<String, String> ownerBefore = owners(client);
        cluster.addWorker();
        client.refreshMembership();
        WorkerServer newcomer = cluster.workerServer(2);
        Map<String, Integer> movedFrom = new HashMap<>();
        for (String path : PATHS) {
            if (client.owner(path).id().equals(newcomer.id())) {
                movedFrom.merge(ownerBefore.get(path), 1, Integer::sum);
                assertThat(ClusterFiles.read(client, path)).isEqualTo(ClusterFiles.content(path, SIZE));
            }
        }
        assertThat(movedFrom.keySet()).as("paths moved from both earlier workers").containsExactlyInAnyOrder(dc1.id(), dc2.id());
        InternodePeers.Peer newcomerSeenInDc1 = dc1.internodePeers().peer(newcomer.id()).orElseThrow();
        assertThat(newcomerSeenInDc1.plaintextCalls()).as("fetches inside dc1 are plaintext").isEqualTo(2L * movedFrom.get(dc1.id()));
        assertThat(newcomerSeenInDc1.tlsCalls()).isZero();
        InternodePeers.Peer newcomerSeenInDc2 = dc2.internodePeers().peer(newcomer.id()).orElseThrow();
        assertThat(newcomerSeenInDc2.tlsCalls()).as("fetches from dc1 to dc2 are TLS").isEqualTo(2L * movedFrom.get(dc2.id()));
        assertThat(newcomerSeenInDc2.plaintextCalls()).isZero();
        assertThat(client.workerMetrics(client.workers().stream().filter(w -> w.id().equals(newcomer.id())).findFirst().orElseThrow())
                .getPeerPagesFetched()).isEqualTo(2L * (movedFrom.get(dc1.id()) + movedFrom.get(dc2.id())));

        // A plaintext peer that says it is in dc2 is refused by a dc1 worker; one that says dc1 is let in.
        assertThatThrownBy(() -> plaintextFetch(cluster, dc1, new NodeIdentity("intruder", "dc2", "rack1")))
                .isInstanceOf(StatusRuntimeException.class)
                .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED))
                .hasMessageContaining("internode.encryption=dc on this node (dc dc1, rack rack1) requires TLS from that peer");
        assertThat(dc1.internodePeers().peer(InternodePeers.unprovenId("intruder", "127.0.0.1")).orElseThrow().refusedCalls()).isEqualTo(1);
        plaintextFetch(cluster, dc1, new NodeIdentity("neighbour", "dc1", "rack7"));
        assertThat(dc1.internodePeers().peer("neighbour").orElseThrow().plaintextCalls()).isEqualTo(1);

        // Clients must use TLS (tls.enabled=true), even though peers in the dc may not.
        Map<String, String> plaintextClient = Map.of("cachet.coordinator.address", "localhost:" + cluster.coordinatorPort());
        assertThatThrownBy(() -> CachetClient.connect(TestPki.config(plaintextClient)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("requires TLS from clients");
    }

    @Test
    void allAndNoneInDifferentDcsRefuseEachOtherBothWays() throws Exception {
        // The coordinator takes both (transitional) and sends TLS; B and C are plaintext-only nodes in dc2; A insists on TLS in dc1.
        Map<String, String> coordinator = clusters.tlsNodeSettings();
        coordinator.put("cachet.network.tls.enabled", "false");
        coordinator.put("cachet.network.tls.internode.encryption", "transitional");
        Map<String, String> all = clusters.tlsNodeSettings();
        all.put("cachet.network.tls.internode.encryption", "all");
        all.put("cachet.node.dc", "dc1");
        MiniCluster cluster = clusters.start(builder -> builder.workers(1)
                .property("cachet.worker.page.size", String.valueOf(PAGE))
                .property("cachet.worker.peer.fetch.min.age", "0s")
                .coordinatorProperties(coordinator)
                .workerProperties(0, Map.of("cachet.node.dc", "dc2"))
                .workerProperties(1, all)
                .workerProperties(2, Map.of("cachet.node.dc", "dc2")));
        CachetClient plaintext = clusters.client(cluster);
        writeAndRead(plaintext);
        WorkerServer none = cluster.workerServer(0);

        // transitional coordinator -> none worker: TLS, refused by the plaintext-only listener.
        long refusedByNone = none.connections().refusedConnections();
        assertThatThrownBy(() -> plaintext.load("/places", status -> {})).isInstanceOf(IOException.class);
        assertThat(none.connections().refusedConnections()).as("the none worker refused TLS from the coordinator").isGreaterThan(refusedByNone);

        // all worker A joins: it asks the none worker for pages over TLS and is refused; it reads the under-file-system instead.
        cluster.addWorker();
        WorkerServer allWorker = cluster.workerServer(1);
        Map<String, String> tlsClientSettings = clusters.trustingClientSettings(cluster);
        refusedByNone = none.connections().refusedConnections();
        List<String> ownedByAll;
        try (CachetClient tls = CachetClient.connect(TestPki.config(tlsClientSettings))) {
            ownedByAll = ownedBy(tls, allWorker.id());
            assertThat(ownedByAll).isNotEmpty();
            for (String path : ownedByAll) {
                assertThat(ClusterFiles.read(tls, path)).isEqualTo(ClusterFiles.content(path, SIZE));
            }
            WorkerMetrics metrics = tls.workerMetrics(address(tls, allWorker.id()));
            assertThat(metrics.getPeerPagesFetched()).isZero();
            assertThat(metrics.getPeerFetchFailures()).isPositive();
            assertThat(metrics.getUfsPagesRead()).isEqualTo(2L * ownedByAll.size());
        }
        assertThat(none.connections().refusedConnections()).as("the none worker refused TLS from the all worker").isGreaterThan(refusedByNone);
        assertThat(none.internodePeers().peer(allWorker.id())).as("no call from the all worker got through").isEmpty();

        // none worker C joins: it asks the all worker for pages over plaintext and is refused.
        long refusedByAll = allWorker.connections().refusedConnections();
        cluster.addWorker();
        plaintext.refreshMembership();
        WorkerServer latecomer = cluster.workerServer(2);
        List<String> movedFromAll = ownedBy(plaintext, latecomer.id()).stream().filter(ownedByAll::contains).toList();
        assertThat(movedFromAll).isNotEmpty();
        for (String path : movedFromAll) {
            assertThat(ClusterFiles.read(plaintext, path)).isEqualTo(ClusterFiles.content(path, SIZE));
        }
        WorkerMetrics latecomerMetrics = plaintext.workerMetrics(address(plaintext, latecomer.id()));
        assertThat(latecomerMetrics.getPeerFetchFailures()).isPositive();
        assertThat(allWorker.connections().refusedConnections()).as("the all worker refused plaintext from the none worker").isGreaterThan(refusedByAll);
        assertThat(allWorker.internodePeers().peer(latecomer.id())).isEmpty();
    }

    private static void writeAndRead(CachetClient client) throws IOException {
        for (String path : PATHS) {
            ClusterFiles.write(client, path, SIZE);
            ClusterFiles.read(client, path);
        }
    }

    private static InternodePeers.Peer coordinator(WorkerServer worker) {
        return worker.internodePeers().all().stream().filter(peer -> peer.id().startsWith("coordinator@")).findFirst().orElseThrow();
    }

    private static Map<String, String> owners(CachetClient client) throws IOException {
        Map<String, String> owners = new HashMap<>();
        for (String path : PATHS) {
            owners.put(path, client.owner(path).id());
        }
        return owners;
    }

    private static List<String> ownedBy(CachetClient client, String workerId) throws IOException {
        Map<String, String> owners = owners(client);
        return PATHS.stream().filter(path -> owners.get(path).equals(workerId)).toList();
    }

    private static WorkerAddress address(CachetClient client, String workerId) {
        return client.workers().stream().filter(worker -> worker.id().equals(workerId)).findFirst().orElseThrow();
    }

    /** A server-to-server call over plaintext, as a node of {@code cluster} (it has the cluster secret) claiming {@code identity} would make it. */
    private static void plaintextFetch(MiniCluster cluster, WorkerServer worker, NodeIdentity identity) {
        CachetConfig config = TestPki.config(cluster.nodeSettings());
        NodeSecurity security = NodeSecurity.ofWorker(config, ConnectionPolicy.of(TlsSettings.from(config), identity.dc(), identity.rack()), Optional.empty(), identity.id());
        ManagedChannel channel = GrpcChannels.open("localhost", worker.rpcPort(), Optional.empty());
        try {
            InternodeServiceGrpc.newBlockingStub(ClientInterceptors.intercept(channel, security.credentialsToWorker(identity, worker.id())))
                    .fetchPage(PageRequest.newBuilder().setFileKey("0".repeat(32)).setPageIndex(0).setPath("/places/file-0").build());
        }
        finally {
            GrpcChannels.close(channel);
        }
    }
}
