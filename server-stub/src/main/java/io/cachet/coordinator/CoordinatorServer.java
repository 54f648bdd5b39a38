package io.cachet.coordinator;

import io.cachet.conf.CachetConfig;
import io.cachet.conf.CachetKeys;
import io.cachet.rpc.proto.Membership;
import io.cachet.server.ConnectionCounters;
import io.cachet.server.ConnectionPolicy;
import io.cachet.server.GrpcServers;
import io.cachet.tls.TlsContexts;
import io.cachet.tls.TlsMaterialWatcher;
import io.cachet.tls.TlsSettings;
import io.grpc.Server;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** The coordinator: worker registration, heartbeats, expiry and the membership list. It holds no file metadata. */
public final class CoordinatorServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorServer.class);

    private final MembershipRegistry registry;
    private final Server server;
    private final ScheduledExecutorService expiry;
    private final ConnectionCounters counters;
    private final Optional<TlsMaterialWatcher> watcher;

    private CoordinatorServer(MembershipRegistry registry, Server server, ScheduledExecutorService expiry, ConnectionCounters counters,
            Optional<TlsMaterialWatcher> watcher) {
        this.registry = registry;
        this.server = server;
        this.expiry = expiry;
        this.counters = counters;
        this.watcher = watcher;
    }

    public static CoordinatorServer start(CachetConfig config) throws IOException {
        TlsSettings settings = TlsSettings.from(config);
        ConnectionPolicy policy = ConnectionPolicy.of(settings, config.get(CachetKeys.NODE_DC), config.get(CachetKeys.NODE_RACK));
        Optional<TlsContexts> tls = settings.canServeTls() ? Optional.of(TlsContexts.load(settings)) : Optional.empty();
        tls.ifPresent(contexts -> log.info("Coordinator {}", contexts.describe()));
        Duration timeout = config.get(CachetKeys.COORDINATOR_WORKER_TIMEOUT);
        MembershipRegistry registry = new MembershipRegistry(timeout, System::nanoTime);
        ConnectionCounters counters = new ConnectionCounters();
        InetSocketAddress address = new InetSocketAddress(config.get(CachetKeys.COORDINATOR_BIND_HOST), config.get(CachetKeys.COORDINATOR_RPC_PORT));
        Server server = GrpcServers.start(address, policy, tls, "Coordinator RPC listener", counters, List.of(new CoordinatorService(registry)));
        ScheduledExecutorService expiry = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("cachet-coordinator-expiry", true));
        long checkMillis = Math.max(100, timeout.toMillis() / 4);
        expiry.scheduleWithFixedDelay(registry::expireSilentWorkers, checkMillis, checkMillis, TimeUnit.MILLISECONDS);
        log.info("Coordinator listening on {}:{} (accepts {}, internode {})", address.getHostString(), server.getPort(), policy.inbound(), policy.internode());
        Optional<TlsMaterialWatcher> watcher = tls.map(contexts -> TlsMaterialWatcher.start(contexts.material(), settings));
        return new CoordinatorServer(registry, server, expiry, counters, watcher);
    }

    public int port() {
        return server.getPort();
    }

    public Membership membership() {
        return registry.snapshot();
    }

    public ConnectionCounters connections() {
        return counters;
    }

    @Override
    public void close() {
        watcher.ifPresent(TlsMaterialWatcher::close);
        expiry.shutdownNow();
        registry.closeWatchers();
        GrpcServers.stop(server);
    }
}
