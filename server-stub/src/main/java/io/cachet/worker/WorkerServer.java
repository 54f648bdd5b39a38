package io.cachet.worker;

import com.google.common.net.HostAndPort;
import io.cachet.conf.CachetConfig;
import io.cachet.conf.CachetKeys;
import io.cachet.conf.ConfigException;
import io.cachet.conf.FileTransferMode;
import io.cachet.conf.MembershipStore;
import io.cachet.etcd.EtcdClient;
import io.cachet.etcd.EtcdSettings;
import io.cachet.metrics.MetricsServer;
import io.cachet.metrics.NodeMetrics;
import io.cachet.rpc.proto.InternodeServiceGrpc;
import io.cachet.rpc.proto.WorkerInfo;
import io.cachet.rpc.proto.WorkerMetrics;
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
import io.cachet.transfer.TransferProtocol;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** A worker: caches pages of the under-file-system and serves metadata (gRPC) and bytes (data protocol). */
public final class WorkerServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WorkerServer.class);

    private final String id;
    private final String host;
    private final Server rpc;
    private final DataServer data;
    private final MembershipLink link;
    private final UnderFileSystem ufs;
    private final PageCache cache;
    private final PageStore pageStore;
    private final ConnectionCounters connections;
    private final InternodePeers peers;
    private final PeerPages peerPages;
    private final WorkerCounters counters;
    private final Optional<TlsMaterialWatcher> watcher;
    private final ScheduledExecutorService housekeeping;
    private final ExecutorService rpcWork;
    private final Optional<MetricsServer> operations;
    private volatile boolean stopping;
    private volatile boolean everRegistered;

    private WorkerServer(String id, String host, Server rpc, DataServer data, MembershipLink link, UnderFileSystem ufs, PageCache cache, PageStore pageStore,
            ConnectionCounters connections, InternodePeers peers, PeerPages peerPages, WorkerCounters counters, Optional<TlsMaterialWatcher> watcher, ScheduledExecutorService housekeeping,
            ExecutorService rpcWork, Optional<MetricsServer> operations) {
        this.id = id;
        this.host = host;
        this.rpc = rpc;
        this.data = data;
        this.link = link;
        this.ufs = ufs;
        this.cache = cache;
        this.pageStore = pageStore;
        this.connections = connections;
        this.peers = peers;
        this.peerPages = peerPages;
        this.counters = counters;
        this.watcher = watcher;
        this.housekeeping = housekeeping;
        this.rpcWork = rpcWork;
        this.operations = operations;
    }

    public static WorkerServer start(CachetConfig config) throws IOException {
        TlsSettings settings = TlsSettings.from(config);
        // Sendfile is used only where no connection can be TLS.
        FileTransferMode transfer = transferMode(config.get(CachetKeys.WORKER_FILE_TRANSFER), settings.enabled() || settings.canServeTls());
        ConnectionPolicy policy = ConnectionPolicy.of(settings, config.get(CachetKeys.NODE_DC), config.get(CachetKeys.NODE_RACK));
        Optional<TlsContexts> tls = settings.canServeTls() ? Optional.of(TlsContexts.load(settings)) : Optional.empty();
        Path cacheDirectory = Files.createDirectories(Path.of(config.find(CachetKeys.WORKER_CACHE_DIR).orElseThrow(() -> new ConfigException(
                "A worker needs a cache directory. Fix: set %s".formatted(CachetKeys.WORKER_CACHE_DIR.name())))));
        long pageSize = config.get(CachetKeys.WORKER_PAGE_SIZE);
        String id = WorkerIdentity.loadOrCreate(cacheDirectory);
        UnderFileSystem ufs = openUnderFileSystem(config, id);
        Duration abandonedAge = config.get(CachetKeys.WORKER_ABANDONED_WRITE_AGE);
        // This worker's earlier life cannot finish its writes: its temporary files go now, everyone's old ones too.
        removeAbandonedWrites(ufs, abandonedAge, true);
        PageCache cache = new PageCache(cacheDirectory.resolve("pages"), config.get(CachetKeys.WORKER_CACHE_SIZE), (int) pageSize);
        ConnectionCounters connections = new ConnectionCounters();
        WorkerCounters counters = new WorkerCounters();
        String host = config.get(CachetKeys.WORKER_HOSTNAME);
        String bindHost = config.get(CachetKeys.WORKER_BIND_HOST);
        NodeIdentity identity = new NodeIdentity(id, config.get(CachetKeys.NODE_DC), config.get(CachetKeys.NODE_RACK));
        InternodePeers peers = new InternodePeers();
        NodeSecurity security = NodeSecurity.ofWorker(config, policy, tls, id);
        ConnectionLimits.Settings limits = ConnectionLimits.Settings.from(config);
        OutboundTlsFailures outbound = new OutboundTlsFailures();
        PeerPages peerPages = new PeerPages(id, new PeerChannels(identity, security, policy, tls, outbound), config.get(CachetKeys.ROUTING_VIRTUAL_NODES),
                config.get(CachetKeys.WORKER_PEER_FETCH_WINDOW), config.get(CachetKeys.WORKER_PEER_FETCH_MIN_AGE), Duration.ofSeconds(2), System::nanoTime,
                System::currentTimeMillis, counters);
        PageStore pageStore = new PageStore(cache, config.get(CachetKeys.WORKER_CACHE_STORE_PENDING), counters);
        PageFiller filler = new PageFiller(cache, pageStore, peerPages, counters);
        // gRPC calls arrive on the transport's threads; what may block (files, the under-file-system, long jobs) runs here.
        ExecutorService rpcWork = Executors.newCachedThreadPool(new DefaultThreadFactory("cachet-worker-rpc", true));
        Executor statusWork = ufs.localStatus() ? Runnable::run : rpcWork;

        DataServer data = null;
        Server rpc = null;
        MetricsServer operations = null;
        try {
            data = DataServer.start(new InetSocketAddress(bindHost, config.get(CachetKeys.WORKER_DATA_PORT)), policy, tls,
                    new ConnectionLimits(limits, "Data listener", connections), (inFlight, blocking) -> new DataRequestHandler(ufs, cache, filler, transfer, counters, inFlight, blocking));
            WorkerServer[] self = new WorkerServer[1];
            rpc = GrpcServers.start(new InetSocketAddress(bindHost, config.get(CachetKeys.WORKER_RPC_PORT)), policy, tls, security,
                    new ConnectionLimits(limits, "Worker RPC listener", connections),
                    List.of(new WorkerService(ufs, () -> self[0].metrics(), statusWork, rpcWork), new WorkerInternodeService(ufs, cache, filler, rpcWork)),
                    InternodeServiceGrpc.getServiceDescriptor().getMethods().stream()
                            .map(MethodDescriptor::getFullMethodName).collect(Collectors.toUnmodifiableSet()), peers, true);
            WorkerInfo info = WorkerInfo.newBuilder()
                    .setId(id)
                    .setHost(host)
                    .setRpcPort(rpc.getPort())
                    .setDataPort(data.port())
                    .setDc(config.get(CachetKeys.NODE_DC))
                    .setRack(config.get(CachetKeys.NODE_RACK))
                    .setCapacityBytes(config.get(CachetKeys.WORKER_CACHE_SIZE))
                    .setTls(policy.dataInbound().acceptsTls())
                    .setStartedMillis(System.currentTimeMillis())
                    .setDataProtocol(TransferProtocol.DATA_PROTOCOL)
                    .build();
            NodeMetrics metrics = new NodeMetrics(Clock.systemUTC())
                    .connections(connections)
                    .outboundTlsFailures(outbound)
                    .internode(peers)
                    .membershipSize(peerPages::workers)
                    .counter("cachet_worker_cache_hits", "Pages served from the worker's cache", cache.hits::sum)
                    .counter("cachet_worker_cache_misses", "Pages the worker had to fetch (from a peer or the under-file-system)", cache.misses::sum)
                    .counter("cachet_worker_cache_evictions", "Pages evicted to make room", cache.evictions::sum)
                    .gauge("cachet_worker_cache_bytes", "Bytes of pages cached now", cache::cachedBytes)
                    .counter("cachet_worker_read_bytes", "Bytes served to readers", counters.bytesRead::sum)
                    .counter("cachet_worker_written_bytes", "Bytes written by clients", counters.bytesWritten::sum)
                    .counter("cachet_worker_ufs_pages_read", "Pages read from the under-file-system", counters.ufsPagesRead::sum)
                    .counter("cachet_worker_pages_not_cached", "Pages served on a miss but not cached, because the cache's disk writes were behind "
                            + "(cachet.worker.cache.store.pending)", counters.pagesNotCached::sum)
                    .counter("cachet_worker_peer_pages_fetched", "Pages fetched from a path's previous owner", counters.peerPagesFetched::sum)
                    .counter("cachet_worker_peer_fetch_failures", "Page fetches from a previous owner that failed (read from the under-file-system instead)",
                            counters.peerFetchFailures::sum)
                    .histograms(List.of(counters.readSeconds, counters.writeSeconds));
            tls.ifPresent(contexts -> metrics.tls(contexts.material()));
            if (config.get(CachetKeys.METRICS_ENABLED)) {
                operations = MetricsServer.start(new InetSocketAddress(bindHost, config.get(CachetKeys.WORKER_METRICS_PORT)), tls,
                        config.get(CachetKeys.METRICS_CLIENT_AUTH), metrics.registry(),
                        () -> self[0] == null ? Optional.of("starting") : self[0].notReadyBecause());
            }
            MembershipLink link;
            if (config.get(CachetKeys.MEMBERSHIP_STORE) == MembershipStore.ETCD) {
                link = new EtcdLink(info, EtcdClient.create(EtcdSettings.from(config)), config.get(CachetKeys.WORKER_HEARTBEAT_INTERVAL), peerPages::membership);
            }
            else {
                HostAndPort coordinator = HostAndPort.fromString(config.get(CachetKeys.COORDINATOR_ADDRESS));
                // The coordinator's place is not known here: it counts as elsewhere for dc and rack modes.
                Optional<TlsContexts> toCoordinator = policy.encryptTo(null, null) ? tls : Optional.empty();
                link = new CoordinatorLink(info, security.credentialsToCoordinator(identity), outbound, coordinator.getHost(), coordinator.getPort(), toCoordinator,
                        config.get(CachetKeys.WORKER_HEARTBEAT_INTERVAL), peerPages::membership);
            }
            ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("cachet-worker-housekeeping", true));
            long sweepMillis = Math.max(Duration.ofSeconds(1).toMillis(), Math.min(Duration.ofMinutes(10).toMillis(), abandonedAge.toMillis() / 4));
            housekeeping.scheduleWithFixedDelay(() -> removeAbandonedWrites(ufs, abandonedAge, false), sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
            self[0] = new WorkerServer(id, host, rpc, data, link, ufs, cache, pageStore, connections, peers, peerPages, counters,
                    tls.map(contexts -> TlsMaterialWatcher.start(contexts.material(), settings)), housekeeping, rpcWork, Optional.ofNullable(operations));
            link.start();
            log.info("Worker {} at {} (rpc {}, data {}, metrics {}), transfer {}, {}, under-file-system {}", id, host, rpc.getPort(), data.port(),
                    operations == null ? "off" : operations.url(host) + "/metrics", transfer, tls.map(TlsContexts::describe).orElse("plaintext"), ufs.describe());
            return self[0];
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopQuietly(rpc, data, operations);
            rpcWork.shutdownNow();
            pageStore.close();
            peerPages.close();
            closeQuietly(ufs);
            throw new IOException("Interrupted while starting the worker", e);
        }
        catch (IOException | RuntimeException e) {
            stopQuietly(rpc, data, operations);
            rpcWork.shutdownNow();
            pageStore.close();
            peerPages.close();
            closeQuietly(ufs);
            throw e;
        }
    }

    /** A local directory ({@code cachet.worker.ufs.root}) or a Hadoop file system ({@code cachet.worker.ufs.uri}), never both. */
    private static UnderFileSystem openUnderFileSystem(CachetConfig config, String id) throws IOException {
        Optional<String> root = config.find(CachetKeys.WORKER_UFS_ROOT);
        Optional<String> uri = config.find(CachetKeys.WORKER_UFS_URI);
        if (root.isPresent() && uri.isPresent()) {
            throw new ConfigException("Both %s and %s are set. Fix: keep one: %s for a local directory, %s for a Hadoop file system URI"
                    .formatted(CachetKeys.WORKER_UFS_ROOT.name(), CachetKeys.WORKER_UFS_URI.name(), CachetKeys.WORKER_UFS_ROOT.name(), CachetKeys.WORKER_UFS_URI.name()));
        }
        if (uri.isPresent()) {
            return HadoopUfs.open(config, uri.get(), id);
        }
        return UfsRoot.of(root.orElseThrow(() -> new ConfigException("A worker needs an under-file-system. Fix: set %s to a local directory (a file:// URI), or %s to a Hadoop URI such as hdfs://namenode:8020/warehouse"
                .formatted(CachetKeys.WORKER_UFS_ROOT.name(), CachetKeys.WORKER_UFS_URI.name()))), id);
    }

    private static void closeQuietly(UnderFileSystem ufs) {
        try {
            ufs.close();
        }
        catch (IOException | RuntimeException e) {
            log.warn("Cannot close the under-file-system {}: {}", ufs.describe(), e.toString());
        }
    }

    /** A sweep that fails (a staging folder someone replaced, say) is logged; serving does not depend on it. */
    private static void removeAbandonedWrites(UnderFileSystem ufs, Duration age, boolean ownAtAnyAge) {
        try {
            ufs.removeAbandonedWrites(age, ownAtAnyAge);
        }
        catch (IOException | RuntimeException e) {
            log.warn("Cannot remove abandoned writes from the under-file-system: {}", e.toString());
        }
    }

    private static void stopQuietly(Server rpc, DataServer data, MetricsServer operations) {
        if (operations != null) {
            operations.close();
        }
        if (rpc != null) {
            GrpcServers.stop(rpc);
        }
        if (data != null) {
            data.close();
        }
    }

    /** AUTO picks zero-copy sendfile without TLS and mapped buffers with it; sendfile cannot go through a TLS engine. */
    static FileTransferMode transferMode(FileTransferMode configured, boolean tls) {
        if (configured == FileTransferMode.TRANSFER && tls) {
            throw new ConfigException(("%s=transfer cannot be used with TLS: zero-copy sendfile hands file bytes "
                    + "straight to the socket, past the TLS engine, so they would leave unencrypted. Fix: set it to auto (or mapped), "
                    + "or turn TLS off with %s=false").formatted(CachetKeys.WORKER_FILE_TRANSFER.name(), CachetKeys.TLS_ENABLED.name()));
        }
        if (configured == FileTransferMode.AUTO) {
            return tls ? FileTransferMode.MAPPED : FileTransferMode.TRANSFER;
        }
        return configured;
    }

    public String id() {
        return id;
    }

    public String host() {
        return host;
    }

    public int rpcPort() {
        return rpc.getPort();
    }

    public int dataPort() {
        return data.port();
    }

    public boolean isRegistered() {
        return link.isRegistered();
    }

    /**
     * What {@code /health/ready} answers: ready from its first registration in membership until it stops.
     * A worker that loses the coordinator for a while still serves the clients that know it, and a whole
     * cluster turning unready at once (which a PodDisruptionBudget would read as broken) helps nobody.
     */
    Optional<String> notReadyBecause() {
        if (stopping || data.draining()) {
            return Optional.of("draining: finishing requests in progress before it stops");
        }
        if (!everRegistered) {
            everRegistered = link.isRegistered();
            if (!everRegistered) {
                return Optional.of("not registered in membership yet");
            }
        }
        return Optional.empty();
    }

    /** The port of /metrics and /health, when they are on ({@code cachet.metrics.enabled}). */
    public Optional<Integer> metricsPort() {
        return operations.map(MetricsServer::port);
    }

    public ConnectionCounters connections() {
        return connections;
    }

    /** The server-to-server calls this worker received, per calling node. */
    public InternodePeers internodePeers() {
        return peers;
    }

    public WorkerMetrics metrics() {
        return WorkerMetrics.newBuilder()
                .setWorkerId(id)
                .setCacheHits(cache.hits.sum())
                .setCacheMisses(cache.misses.sum())
                .setCachedBytes(cache.cachedBytes())
                .setCachedPages(cache.cachedPages())
                .setEvictedPages(cache.evictions.sum())
                .setBytesRead(counters.bytesRead.sum())
                .setBytesWritten(counters.bytesWritten.sum())
                .setTlsHandshakes(connections.tlsHandshakes())
                .setRefusedConnections(connections.refusedConnections())
                .setPeerPagesFetched(counters.peerPagesFetched.sum())
                .setUfsPagesRead(counters.ufsPagesRead.sum())
                .setPeerFetchFailures(counters.peerFetchFailures.sum())
                .setPeerPageRequests(counters.peerPageRequests.sum())
                .build();
    }

    @Override
    public void close() {
        stopping = true;
        watcher.ifPresent(TlsMaterialWatcher::close);
        housekeeping.shutdownNow();
        link.close();
        // Data first: requests in progress finish while clients still reach the metadata service.
        data.close();
        GrpcServers.stop(rpc);
        rpcWork.shutdownNow();
        // After the data listener: no page is offered any more.
        pageStore.close();
        peerPages.close();
        try {
            // The under-file-system's root stays open until nothing runs on it.
            rpcWork.awaitTermination(10, TimeUnit.SECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(ufs);
        // Last: health answers "draining" for as long as the listeners finish their work.
        operations.ifPresent(MetricsServer::close);
    }
}
