package io.cachet.cluster;

import io.cachet.certs.CertificateFiles;
import io.cachet.certs.DevelopmentCertificates;
import io.cachet.certs.KeyAlgorithm;
import io.cachet.client.CachetClient;
import io.cachet.conf.CachetConfig;
import io.cachet.conf.ConfigException;
import io.cachet.coordinator.CoordinatorServer;
import io.cachet.minicluster.MiniCluster;
import io.cachet.routing.WorkerAddress;
import io.cachet.rpc.proto.CoordinatorServiceGrpc;
import io.cachet.rpc.proto.FilesRequest;
import io.cachet.rpc.proto.HeartbeatRequest;
import io.cachet.rpc.proto.InternodeServiceGrpc;
import io.cachet.rpc.proto.Membership;
import io.cachet.rpc.proto.PageRequest;
import io.cachet.rpc.proto.PageResponse;
import io.cachet.rpc.proto.RegisterWorkerRequest;
import io.cachet.rpc.proto.WorkerInfo;
import io.cachet.rpc.proto.WorkerMetricsRequest;
import io.cachet.rpc.proto.WorkerServiceGrpc;
import io.cachet.server.ConnectionPolicy;
import io.cachet.server.InternodePeers;
import io.cachet.server.NodeIdentity;
import io.cachet.server.NodeSecurity;
import io.cachet.tls.TestPki;
import io.cachet.tls.TlsContexts;
import io.cachet.tls.TlsSettings;
import io.cachet.worker.WorkerServer;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NegotiationType;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Only nodes act as nodes (DESIGN §5a): a rogue client that sends the {@code cachet-node-*} headers,
 * with a client certificate, with none, or over plaintext, cannot register a worker, keep one alive or
 * run a worker's server-to-server methods; and a node cannot take over another node's worker id.
 * Every attack goes over real sockets to a real cluster.
 */
@Timeout(180)
class NodeAuthenticationTest {
    private static final String FILE = "/victim/data.bin";

    @RegisterExtension
    final ClusterFixture clusters = ClusterFixture.plaintextWithCa("Node CA");

    @ParameterizedTest
    @ValueSource(strings = {"none", "required"})
    void aClientCertificateWithForgedNodeHeadersCanNeitherRegisterNorHeartbeatNorEvict(String clientAuth) throws Exception {
        TestPki pki = clusters.pki();
        Map<String, String> node = clusters.tlsNodeSettings();
        node.put("cachet.network.tls.client.auth", clientAuth);
        Map<String, String> clientIdentity = pki.nodeSettings(pki.client("attacker"));
        MiniCluster cluster = clusters.start(builder -> builder.workers(2).properties(node));
        CachetClient client = clusters.client(withCoordinator(clientIdentity, cluster));
        ClusterFiles.write(client, FILE, 300_000);
        ClusterFiles.read(client, FILE);
        // One page at the default page size, cached just after it was served.
        ClusterFiles.awaitCachedPages(client, 1);
        WorkerAddress owner = client.owner(FILE);
        WorkerServer victim = workerServer(cluster, owner.id());
        long cachedPages = victim.metrics().getCachedPages();
        assertThat(cachedPages).isPositive();
        Membership before = cluster.coordinatorServer().membership();

        // With the cluster's client certificate (OU=cachet-client) and the headers of the victim worker.
        TlsContexts attackerTls = TestPki.contexts(clientIdentity);
        NodeIdentity posingAsVictim = new NodeIdentity(owner.id(), "dc1", "rack1");
        assertAllServerCallsRefused(cluster, owner, attackerTls, posingAsVictim, "OU=cachet-client");
        assertThat(cluster.coordinatorServer().membership().getWorkersList()).isEqualTo(before.getWorkersList());
        assertThat(victim.metrics().getCachedPages()).as("no page was evicted").isEqualTo(cachedPages);
        // Counted against the address that sent them, not against the worker they named.
        String attacker = InternodePeers.unprovenId(owner.id(), "127.0.0.1");
        assertThat(victim.internodePeers().peer(attacker).orElseThrow().refusedCalls()).isEqualTo(3);
        assertThat(cluster.coordinatorServer().internodePeers().peer(attacker).orElseThrow().refusedCalls()).isEqualTo(2);
        assertThat(cluster.coordinatorServer().internodePeers().peer(owner.id()).map(InternodePeers.Peer::refusedCalls).orElse(0L))
                .as("the victim's own record").isZero();

        if (clientAuth.equals("none")) {
            // No certificate at all: the same headers over TLS prove nothing either.
            assertAllServerCallsRefused(cluster, owner, TestPki.contexts(pki.trustSettings()), posingAsVictim, "presented no certificate");
        }

        // Without the headers, server-only methods are refused outright.
        ManagedChannel plain = channel(cluster.coordinatorPort(), Optional.of(attackerTls), Optional.empty());
        try {
            assertDenied(() -> CoordinatorServiceGrpc.newBlockingStub(plain).registerWorker(register(owner.id(), 1)),
                    "only a node that proves it is one may make it");
        }
        finally {
            plain.shutdownNow();
        }

        // Another node (a node certificate of this CA, but not the victim's) cannot take the victim's id over.
        Map<String, String> otherNode = pki.nodeSettings(pki.server(List.of("other-node", "127.0.0.1")));
        otherNode.put("cachet.network.tls.client.no.endpoint.identification", "true");
        ManagedChannel rival = channel(cluster.coordinatorPort(), Optional.of(TestPki.contexts(otherNode)), Optional.of(nodeCredentials(cluster, otherNode, posingAsVictim)));
        try {
            assertDenied(() -> CoordinatorServiceGrpc.newBlockingStub(rival).registerWorker(register(owner.id(), 1)), "is registered by");
            assertDenied(() -> CoordinatorServiceGrpc.newBlockingStub(rival).heartbeat(HeartbeatRequest.newBuilder().setWorkerId(owner.id()).build()),
                    "may not keep it alive");
            // The same node may of course register an id of its own.
            CoordinatorServiceGrpc.newBlockingStub(rival).heartbeat(HeartbeatRequest.newBuilder().setWorkerId("not-registered").build());
        }
        finally {
            rival.shutdownNow();
        }
        assertThat(cluster.coordinatorServer().membership().getWorkersList()).isEqualTo(before.getWorkersList());
        assertThat(ClusterFiles.read(client, FILE)).isEqualTo(ClusterFiles.content(FILE, 300_000));
    }

    @Test
    void withoutTlsOnlyAFreshProofWithTheClusterSecretMakesACallerANode() throws Exception {
        MiniCluster cluster = clusters.start(builder -> builder.workers(2));
        CachetClient client = clusters.client(cluster);
        ClusterFiles.write(client, FILE, 300_000);
        ClusterFiles.read(client, FILE);
        // One page at the default page size, cached just after it was served.
        ClusterFiles.awaitCachedPages(client, 1);
        WorkerAddress owner = client.owner(FILE);
        WorkerServer victim = workerServer(cluster, owner.id());
        long cachedPages = victim.metrics().getCachedPages();
        Membership before = cluster.coordinatorServer().membership();
        NodeIdentity posingAsVictim = new NodeIdentity(owner.id(), "dc1", "rack1");

        // No proof at all: just the headers.
        assertAllServerCallsRefused(cluster, owner, null, posingAsVictim, "carries no cluster-secret proof");

        // A proof made with another secret.
        Map<String, String> wrongSecret = new HashMap<>(cluster.nodeSettings());
        wrongSecret.put("cachet.security.internode.secret", "not-the-cluster-secret-at-all");
        ManagedChannel forged = channel(cluster.coordinatorPort(), Optional.empty(), Optional.of(nodeCredentials(cluster, wrongSecret, posingAsVictim)));
        try {
            assertDenied(() -> CoordinatorServiceGrpc.newBlockingStub(forged).heartbeat(HeartbeatRequest.newBuilder().setWorkerId(owner.id()).build()),
                    "does not verify");
        }
        finally {
            forged.shutdownNow();
        }

        // A valid proof, captured on the wire and sent again.
        AtomicReference<Metadata> captured = new AtomicReference<>();
        ManagedChannel observed = channel(cluster.coordinatorPort(), Optional.empty(), Optional.empty());
        try {
            Channel capturing = ClientInterceptors.intercept(ClientInterceptors.intercept(observed, capture(captured)),
                    nodeCredentials(cluster, cluster.nodeSettings(), new NodeIdentity("probe", "dc1", "rack1")));
            assertThat(CoordinatorServiceGrpc.newBlockingStub(capturing).heartbeat(HeartbeatRequest.newBuilder().setWorkerId("probe").build())
                    .getRegistered()).isFalse();
            assertDenied(() -> CoordinatorServiceGrpc.newBlockingStub(ClientInterceptors.intercept(observed, MetadataUtils.newAttachHeadersInterceptor(captured.get())))
                    .heartbeat(HeartbeatRequest.newBuilder().setWorkerId("probe").build()), "was used before");
        }
        finally {
            observed.shutdownNow();
        }

        // A valid proof taken off the wire before it arrived: it works only for the node and the request it was made for.
        ManagedChannel toCoordinator = channel(cluster.coordinatorPort(), Optional.empty(), Optional.empty());
        ManagedChannel toWorker = channel(owner.rpcPort(), Optional.empty(), Optional.empty());
        try {
            NodeIdentity probe = new NodeIdentity("probe", "dc1", "rack1");
            HeartbeatRequest proven = HeartbeatRequest.newBuilder().setWorkerId("probe").build();
            Metadata forCoordinator = intercepted(toCoordinator, nodeCredentials(cluster, cluster.nodeSettings(), probe), proven);
            assertDenied(() -> CoordinatorServiceGrpc.newBlockingStub(ClientInterceptors.intercept(toCoordinator, MetadataUtils.newAttachHeadersInterceptor(forCoordinator)))
                    .heartbeat(HeartbeatRequest.newBuilder().setWorkerId(owner.id()).build()), "not the one its cluster-secret proof was made for");
            Metadata another = intercepted(toCoordinator, nodeCredentials(cluster, cluster.nodeSettings(), probe), proven);
            assertDenied(() -> WorkerServiceGrpc.newBlockingStub(ClientInterceptors.intercept(toWorker, MetadataUtils.newAttachHeadersInterceptor(another)))
                    .getMetrics(WorkerMetricsRequest.getDefaultInstance()), "a proof made for another node or call");
            Metadata unused = intercepted(toCoordinator, nodeCredentials(cluster, cluster.nodeSettings(), probe), proven);
            assertThat(CoordinatorServiceGrpc.newBlockingStub(ClientInterceptors.intercept(toCoordinator, MetadataUtils.newAttachHeadersInterceptor(unused)))
                    .heartbeat(proven).getRegistered()).as("the same kind of proof, with its own request, to its own node").isFalse();
        }
        finally {
            toCoordinator.shutdownNow();
            toWorker.shutdownNow();
        }

        // A real node (it has the secret) from another address cannot take over the victim's id.
        ManagedChannel elsewhere = channel(cluster.coordinatorPort(), Optional.empty(), Optional.of(nodeCredentials(cluster, cluster.nodeSettings(), posingAsVictim)),
                "127.0.0.2");
        try {
            assertDenied(() -> CoordinatorServiceGrpc.newBlockingStub(elsewhere).registerWorker(register(owner.id(), 1)), "is registered by");
            assertDenied(() -> CoordinatorServiceGrpc.newBlockingStub(elsewhere).heartbeat(HeartbeatRequest.newBuilder().setWorkerId(owner.id()).build()),
                    "may not keep it alive");
        }
        finally {
            elsewhere.shutdownNow();
        }
        assertThat(cluster.coordinatorServer().membership().getWorkersList()).isEqualTo(before.getWorkersList());
        assertThat(victim.metrics().getCachedPages()).isEqualTo(cachedPages);
    }

    @Test
    void certsGenerateIssuesNodeCertificatesThatActAsNodesAndClientCertificatesThatDoNot() throws Exception {
        DevelopmentCertificates.Layout certificates = DevelopmentCertificates.generate(clusters.directory().resolve("certs"), TestPki.LOOPBACK_HOSTS,
                Duration.ofDays(2), KeyAlgorithm.EC);
        assertThat(Files.readString(certificates.clusterSecretFile()).trim()).hasSizeGreaterThanOrEqualTo(16);
        MiniCluster cluster = clusters.start(builder -> builder.workers(1).properties(certificates.serverSettings()));
        WorkerAddress worker;
        try (CachetClient client = CachetClient.connect(TestPki.config(withCoordinator(certificates.clientSettings(), cluster)))) {
            worker = client.workers().get(0);
        }
        Map<String, String> clientCertificate = new HashMap<>(certificates.clientSettings());
        clientCertificate.put("cachet.network.tls.keystore.path", certificates.clientKeyStore(CertificateFiles.StoreFormat.PKCS12).toString());
        clientCertificate.put("cachet.network.tls.keystore.password", "${file:" + certificates.keyStorePasswordFile() + "}");
        Map<String, String> nodeCertificate = new HashMap<>(certificates.serverSettings());
        NodeIdentity claim = new NodeIdentity("newcomer", "dc1", "rack1");

        ManagedChannel asClient = channel(worker.rpcPort(), Optional.of(TestPki.contexts(clientCertificate)), Optional.of(headers(claim)));
        ManagedChannel asNode = channel(worker.rpcPort(), Optional.of(TestPki.contexts(nodeCertificate)), Optional.of(headers(claim)));
        try {
            assertDenied(() -> fetch(asClient), "CN=cachet-client,OU=cachet-client");
            assertThat(fetch(asNode).getFound()).as("a node may ask for a page; this one is not cached").isFalse();
        }
        finally {
            asClient.shutdownNow();
            asNode.shutdownNow();
        }
    }

    @Test
    void aNodeThatCouldNotProveItselfRefusesToStart(@TempDir Path directory) throws Exception {
        Map<String, String> plaintext = Map.of("cachet.coordinator.rpc.port", "0", "cachet.coordinator.bind.host", "127.0.0.1");
        assertThatThrownBy(() -> CoordinatorServer.start(TestPki.config(plaintext)).close())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cachet.network.tls.internode.encryption=none lets server-to-server calls travel in plaintext")
                .hasMessageContaining("Fix: set cachet.security.internode.secret");

        TestPki pki = TestPki.create(directory, "Start CA");
        Map<String, String> clientCertificateAsNode = new HashMap<>(pki.nodeSettings(pki.client("not-a-node")));
        clientCertificateAsNode.putAll(plaintext);
        assertThatThrownBy(() -> CoordinatorServer.start(TestPki.config(clientCertificateAsNode)).close())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("This node's own certificate CN=not-a-node,OU=cachet-client")
                .hasMessageContaining("does not match cachet.security.node.principal=OU=cachet-node");

        // An operator's own naming scheme: node certificates named by a SAN.
        Map<String, String> ownScheme = new HashMap<>(pki.nodeSettings(pki.client("not-a-node")));
        ownScheme.putAll(plaintext);
        ownScheme.put("cachet.security.node.principal", "CN=not-a-node");
        CoordinatorServer.start(TestPki.config(ownScheme)).close();
    }

    /** Register, heartbeat (coordinator) and free, load, fetch (worker): all refused, each with {@code reason}. */
    private static void assertAllServerCallsRefused(MiniCluster cluster, WorkerAddress worker, TlsContexts tls, NodeIdentity claim, String reason) {
        Optional<TlsContexts> contexts = Optional.ofNullable(tls);
        ManagedChannel coordinator = channel(cluster.coordinatorPort(), contexts, Optional.of(headers(claim)));
        ManagedChannel peer = channel(worker.rpcPort(), contexts, Optional.of(headers(claim)));
        try {
            assertDenied(() -> CoordinatorServiceGrpc.newBlockingStub(coordinator).registerWorker(register(claim.id(), 1)), reason);
            assertDenied(() -> CoordinatorServiceGrpc.newBlockingStub(coordinator).heartbeat(HeartbeatRequest.newBuilder().setWorkerId(claim.id()).build()), reason);
            FilesRequest files = FilesRequest.newBuilder().addPaths(FILE).build();
            assertDenied(() -> InternodeServiceGrpc.newBlockingStub(peer).freeFiles(files).forEachRemaining(progress -> {}), reason);
            assertDenied(() -> InternodeServiceGrpc.newBlockingStub(peer).loadFiles(files).forEachRemaining(progress -> {}), reason);
            assertDenied(() -> fetch(peer), reason);
        }
        finally {
            coordinator.shutdownNow();
            peer.shutdownNow();
        }
    }

    private static PageResponse fetch(Channel channel) {
        return InternodeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .fetchPage(PageRequest.newBuilder().setFileKey("0".repeat(32)).setPageIndex(0).setPath(FILE).build());
    }

    private static RegisterWorkerRequest register(String id, int port) {
        return RegisterWorkerRequest.newBuilder().setWorker(WorkerInfo.newBuilder().setId(id).setHost("127.0.0.1").setRpcPort(port).setDataPort(port)
                .setDc("dc1").setRack("rack1").setTls(true)).build();
    }

    private static void assertDenied(Executable call, String reason) {
        assertThatThrownBy(call::execute)
                .isInstanceOf(StatusRuntimeException.class)
                .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED))
                .hasMessageContaining(reason);
    }

    /** The {@code cachet-node-*} headers alone, as anybody can send them. */
    private static ClientInterceptor headers(NodeIdentity claim) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("cachet-node-id", Metadata.ASCII_STRING_MARSHALLER), claim.id());
        headers.put(Metadata.Key.of("cachet-node-dc", Metadata.ASCII_STRING_MARSHALLER), claim.dc());
        headers.put(Metadata.Key.of("cachet-node-rack", Metadata.ASCII_STRING_MARSHALLER), claim.rack());
        return MetadataUtils.newAttachHeadersInterceptor(headers);
    }

    /** What a node built from {@code settings} sends: its identity and, with a cluster secret, a fresh proof per call. */
    private static ClientInterceptor nodeCredentials(MiniCluster cluster, Map<String, String> settings, NodeIdentity identity) {
        CachetConfig config = TestPki.config(settings);
        return NodeSecurity.ofWorker(config, ConnectionPolicy.of(TlsSettings.from(config), identity.dc(), identity.rack()), Optional.empty(), identity.id())
                .credentialsToCoordinator(identity);
    }

    /** The headers a node's heartbeat {@code request} would carry, taken before anything is sent. */
    private static Metadata intercepted(Channel channel, ClientInterceptor credentials, HeartbeatRequest request) {
        AtomicReference<Metadata> taken = new AtomicReference<>();
        ClientInterceptor takeAndDrop = new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        Metadata copy = new Metadata();
                        copy.merge(headers);
                        taken.set(copy);
                        listener.onClose(Status.CANCELLED.withDescription("taken off the wire"), new Metadata());
                    }

                    @Override
                    public void request(int count) {}

                    @Override
                    public void sendMessage(Q message) {}

                    @Override
                    public void halfClose() {}
                };
            }
        };
        assertThatThrownBy(() -> CoordinatorServiceGrpc.newBlockingStub(ClientInterceptors.intercept(ClientInterceptors.intercept(channel, takeAndDrop), credentials))
                .heartbeat(request)).hasMessageContaining("taken off the wire");
        return taken.get();
    }

    private static ClientInterceptor capture(AtomicReference<Metadata> captured) {
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        Metadata copy = new Metadata();
                        copy.merge(headers);
                        captured.set(copy);
                        super.start(listener, headers);
                    }
                };
            }
        };
    }

    private static ManagedChannel channel(int port, Optional<TlsContexts> tls, Optional<ClientInterceptor> interceptor) {
        return channel(port, tls, interceptor, null);
    }

    /** A channel to a local port, from {@code sourceAddress} when given (127.0.0.x stands for another host). */
    private static ManagedChannel channel(int port, Optional<TlsContexts> tls, Optional<ClientInterceptor> interceptor, String sourceAddress) {
        NettyChannelBuilder builder = NettyChannelBuilder.forAddress("localhost", port);
        if (tls.isPresent()) {
            builder.negotiationType(NegotiationType.TLS).sslContext(tls.get().grpcClient());
        }
        else {
            builder.usePlaintext();
        }
        if (sourceAddress != null) {
            builder.localSocketPicker(new NettyChannelBuilder.LocalSocketPicker() {
                @Override
                public SocketAddress createSocketAddress(SocketAddress remoteAddress, Attributes attributes) {
                    return new InetSocketAddress(sourceAddress, 0);
                }
            });
        }
        interceptor.ifPresent(builder::intercept);
        return builder.build();
    }

    private static Map<String, String> withCoordinator(Map<String, String> settings, MiniCluster cluster) {
        Map<String, String> copy = new HashMap<>(settings);
        copy.put("cachet.coordinator.address", "localhost:" + cluster.coordinatorPort());
        return copy;
    }

    private static WorkerServer workerServer(MiniCluster cluster, String id) {
        for (int i = 0; i < cluster.workers().size(); i++) {
            if (cluster.workerServer(i).id().equals(id)) {
                return cluster.workerServer(i);
            }
        }
        throw new AssertionError("no worker " + id);
    }
}
