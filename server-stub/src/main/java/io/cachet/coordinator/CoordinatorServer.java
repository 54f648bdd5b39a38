package io.cachet.coordinator;

import io.cachet.conf.CachetConfig;
import io.cachet.conf.CachetKeys;
import io.cachet.conf.MembershipStore;
import io.cachet.etcd.EtcdClient;
import io.cachet.etcd.EtcdSettings;
import io.cachet.membership.EtcdMembership;
import io.cachet.metrics.MetricsServer;
import io.cachet.metrics.NodeMetrics;
import io.cachet.rpc.proto.CoordinatorServiceGrpc;
import io.cachet.rpc.proto.Membership;
import io.cachet.server.ConnectionCounters;
import io.cachet.server.ConnectionLimits;
import io.cachet.server.ConnectionPolicy;
import io.cachet.server.GrpcServers;
import io.cachet.server.InternodePeers;
import io.cachet.server.NodeIdentity;
import io.cachet.server.NodeSecurity;
import io.cachet.server.OutboundTlsFailures;
import io.cachet.server.PeerChannels;
import io.cachet.tls.TlsContexts;
import io.cachet.tls.TlsMaterialWatcher;
import io.cachet.tls.TlsSettings;
import io.grpc.Server;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** The coordinator: worker registration, heartbeats, expiry, the membership list, and load and free jobs. It holds no file metadata. */
public final class CoordinatorServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorServer.class);

    private final MembershipView registry;
    private final Server server;
    private final ScheduledExecutorService expiry;
    private final ConnectionCounters counters;
    private final InternodePeers peers;
    private final CacheJobs jobs;
    private final PeerChannels channels;
    private final Optional<TlsMaterialWatcher> watcher;
    private final Optional<MetricsServer> operations;

    private CoordinatorServer(MembershipView registry, Server server, ScheduledExecutorService expiry, ConnectionCounters counters,
            InternodePeers peers, CacheJobs jobs, PeerChannels channels, Optional<TlsMaterialWatcher> watcher, Optional<MetricsServer> operations) {
        this.registry = registry;
        this.server = server;
        this.expiry = expiry;
        this.counters = counters;
        this.peers = peers;
        this.jobs = jobs;
        this.channels = channels;
        this.watcher = watcher;
        this.operations = operations;
    }

    public static CoordinatorServer start(CachetConfig config) throws IOException {
        TlsSettings settings = TlsSettings.from(config);
        ConnectionPolicy policy = ConnectionPolicy.of(settings, config.get(CachetKeys.NODE_DC), config.get(CachetKeys.NODE_RACK));
        Optional<TlsContexts> tls = settings.canServeTls() ? Optional.of(TlsContexts.load(settings)) : Optional.empty();
        tls.ifPresent(contexts -> log.info("Coordinator {}", contexts.describe()));
        Duration timeout = config.get(CachetKeys.COORDINATOR_WORKER_TIMEOUT);
        Duration checkInterval = Duration.ofMillis(Math.max(100, timeout.toMillis() / 4));
        MembershipRegistry registry = new MembershipRegistry(timeout, checkInterval, System::nanoTime);
        ConnectionCounters counters = new ConnectionCounters();
        InetSocketAddress address = new InetSocketAddress(config.get(CachetKeys.COORDINATOR_BIND_HOST), config.get(CachetKeys.COORDINATOR_RPC_PORT));
        NodeIdentity identity = new NodeIdentity("coordinator@" + address.getHostString() + ":" + address.getPort(),
                config.get(CachetKeys.NODE_DC), config.get(CachetKeys.NODE_RACK));
        NodeSecurity security = NodeSecurity.ofCoordinator(config, policy, tls);
        // Last before the listener: everything that can refuse the configuration has had its say.
        MembershipView view = config.get(CachetKeys.MEMBERSHIP_STORE) == MembershipStore.ETCD
                ? new EtcdMembershipView(new EtcdMembership(EtcdClient.create(EtcdSettings.from(config)), true), config.get(CachetKeys.CLIENT_MEMBERSHIP_REFRESH))
                : registry;
        OutboundTlsFailures outbound = new OutboundTlsFailures();
        PeerChannels channels = new PeerChannels(identity, security, policy, tls, outbound);
        CacheJobs jobs = new CacheJobs(view, channels, config.get(CachetKeys.ROUTING_VIRTUAL_NODES), Duration.ofSeconds(30));
        InternodePeers peers = new InternodePeers();
        NodeMetrics metrics = new NodeMetrics(Clock.systemUTC())
                .connections(counters)
                .outboundTlsFailures(outbound)
                .internode(peers)
                .membershipSize(() -> view.snapshot().getWorkersCount());
        tls.ifPresent(contexts -> metrics.tls(contexts.material()));
        Server server;
        MetricsServer operations = null;
        try {
            if (config.get(CachetKeys.METRICS_ENABLED)) {
                operations = MetricsServer.start(new InetSocketAddress(address.getAddress(), config.get(CachetKeys.COORDINATOR_METRICS_PORT)), tls,
                        config.get(CachetKeys.METRICS_CLIENT_AUTH), metrics.registry(), () -> view.snapshot().getSettled()
                                ? Optional.empty()
                                : Optional.of("membership not settled: gathering the workers again after a start"));
            }
            server = GrpcServers.start(address, policy, tls, security,
                    new ConnectionLimits(ConnectionLimits.Settings.from(config), "Coordinator RPC listener", counters), List.of(new CoordinatorService(registry, view, jobs, peers)),
                    Set.of(CoordinatorServiceGrpc.getRegisterWorkerMethod().getFullMethodName(), CoordinatorServiceGrpc.getHeartbeatMethod().getFullMethodName()),
                    peers, false);
        }
        catch (IOException | RuntimeException e) {
            if (operations != null) {
                operations.close();
            }
            jobs.close();
            channels.close();
            view.close();
            throw e;
        }
        ScheduledExecutorService expiry = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("cachet-coordinator-expiry", true));
        expiry.scheduleWithFixedDelay(registry::expireSilentWorkers, checkInterval.toMillis(), checkInterval.toMillis(), TimeUnit.MILLISECONDS);
        log.info("Coordinator listening on {}:{} (accepts {}, internode {}, metrics {})", address.getHostString(), server.getPort(), policy.rpcInbound(),
                policy.internode(), operations == null ? "off" : operations.url(address.getHostString()) + "/metrics");
        Optional<TlsMaterialWatcher> watcher = tls.map(contexts -> TlsMaterialWatcher.start(contexts.material(), settings));
        return new CoordinatorServer(view, server, expiry, counters, peers, jobs, channels, watcher, Optional.ofNullable(operations));
    }

    public int port() {
        return server.getPort();
    }

    public Membership membership() {
        return registry.snapshot();
    }

    /** The port of /metrics and /health, when they are on ({@code cachet.metrics.enabled}). */
    public Optional<Integer> metricsPort() {
        return operations.map(MetricsServer::port);
    }

    public ConnectionCounters connections() {
        return counters;
    }

    /** The server-to-server calls (registrations and heartbeats) this coordinator received, per worker. */
    public InternodePeers internodePeers() {
        return peers;
    }

    @Override
    public void close() {
        watcher.ifPresent(TlsMaterialWatcher::close);
        expiry.shutdownNow();
        registry.close();
        jobs.close();
        GrpcServers.stop(server);
        channels.close();
        operations.ifPresent(MetricsServer::close);
    }
}
