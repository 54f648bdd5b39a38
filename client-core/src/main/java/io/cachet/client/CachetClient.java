package io.cachet.client;

import com.google.common.net.HostAndPort;
import io.cachet.conf.CachetConfig;
import io.cachet.conf.CachetKeys;
import io.cachet.conf.ConfigException;
import io.cachet.conf.MembershipStore;
import io.cachet.etcd.EtcdClient;
import io.cachet.etcd.EtcdSettings;
import io.cachet.membership.CoordinatorMembership;
import io.cachet.membership.EtcdMembership;
import io.cachet.membership.MembershipSource;
import io.cachet.routing.CachetPaths;
import io.cachet.routing.WorkerAddress;
import io.cachet.rpc.ErrorCode;
import io.cachet.rpc.GrpcChannels;
import io.cachet.rpc.RemoteErrors;
import io.cachet.rpc.proto.CoordinatorServiceGrpc;
import io.cachet.rpc.proto.DeleteRequest;
import io.cachet.rpc.proto.JobRequest;
import io.cachet.rpc.proto.JobStatus;
import io.cachet.rpc.proto.MkdirsRequest;
import io.cachet.rpc.proto.PathRequest;
import io.cachet.rpc.proto.RenameRequest;
import io.cachet.rpc.proto.WorkerMetrics;
import io.cachet.rpc.proto.WorkerMetricsRequest;
import io.cachet.rpc.proto.WorkerServiceGrpc;
import io.cachet.tls.TlsContexts;
import io.cachet.tls.TlsHandshakeException;
import io.cachet.tls.TlsSettings;
import io.cachet.transfer.DataConnection;
import io.cachet.transfer.FrameType;
import io.cachet.transfer.TransferProtocol;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The Cachet file API. Finds the worker that owns a path by consistent hashing over the membership
 * the coordinator serves (or, with {@code cachet.membership.store=etcd}, that etcd holds: then the
 * coordinator is needed only for load and free jobs), talks gRPC for metadata and the framed data
 * protocol for bytes, and when a worker stops answering, retries on the worker that will own the path
 * once the membership drops it. A façade: routing lives in {@link WorkerRouter}, bytes in {@link DataPlane}.
 */
public final class CachetClient implements AutoCloseable {
    private final Optional<TlsContexts> tls;
    private final Duration timeout;
    private final long readAhead;
    private final HostAndPort coordinatorAddress;
    private final ManagedChannel coordinator;
    private final ClientMetrics metrics;
    private final RpcFailures failures;
    private final Map<String, ManagedChannel> workerChannels = new ConcurrentHashMap<>();
    private final WorkerRouter router;
    private final DataPlane data;

    private CachetClient(CachetConfig config, Optional<TlsContexts> tls, ClientMetrics metrics) {
        this.tls = tls;
        this.metrics = metrics;
        this.timeout = config.get(CachetKeys.CLIENT_RPC_TIMEOUT);
        this.readAhead = config.get(CachetKeys.CLIENT_READ_AHEAD);
        this.coordinatorAddress = parseAddress(config.get(CachetKeys.COORDINATOR_ADDRESS));
        this.failures = new RpcFailures(tls, metrics);
        // etcd first: its settings and TLS files are checked before anything is opened.
        Optional<EtcdClient> etcd = config.get(CachetKeys.MEMBERSHIP_STORE) == MembershipStore.ETCD
                ? Optional.of(EtcdClient.create(EtcdSettings.from(config)))
                : Optional.empty();
        this.coordinator = GrpcChannels.open(coordinatorAddress.getHost(), coordinatorAddress.getPort(), tls, metrics.tlsHandshakes::increment);
        MembershipSource membership = etcd.<MembershipSource>map(client -> new EtcdMembership(client, true))
                .orElseGet(() -> new CoordinatorMembership(coordinator, coordinatorAddress, timeout));
        this.router = new WorkerRouter(membership, coordinatorAddress, failures, new RetryPolicy(config.get(CachetKeys.CLIENT_RETRY_BUDGET)),
                config.get(CachetKeys.CLIENT_WORKER_SUSPICION), config.get(CachetKeys.ROUTING_VIRTUAL_NODES), metrics, this::forget);
        this.data = new DataPlane(router, tls, metrics, timeout, config.get(CachetKeys.CLIENT_FRAME_TIMEOUT), config.get(CachetKeys.NETWORK_IDLE_TIMEOUT).dividedBy(2),
                config.get(CachetKeys.CLIENT_IDLE_CONNECTIONS));
    }

    /** Connects to the membership store ({@code cachet.membership.store}: the coordinator, or etcd) and loads the membership. */
    public static CachetClient connect(CachetConfig config) throws IOException {
        return connect(config, new ClientMetrics());
    }

    /** Connects, counting into {@code metrics}, which other clients may share. */
    public static CachetClient connect(CachetConfig config, ClientMetrics metrics) throws IOException {
        TlsSettings settings = TlsSettings.from(config);
        Optional<TlsContexts> tls = settings.enabled() ? Optional.of(TlsContexts.load(settings)) : Optional.empty();
        CachetClient client = new CachetClient(config, tls, metrics);
        try {
            client.router.start(config.get(CachetKeys.CLIENT_MEMBERSHIP_REFRESH));
        }
        catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
        return client;
    }

    public ClientMetrics metrics() {
        return metrics;
    }

    public boolean tlsEnabled() {
        return tls.isPresent();
    }

    /** The workers of the last membership this client loaded. */
    public List<WorkerAddress> workers() {
        return router.workers();
    }

    /** The worker that serves {@code path} now: its ring owner, or the next one while the owner does not answer. */
    public WorkerAddress owner(String path) throws IOException {
        return router.owner(path);
    }

    public FileStatus status(String path) throws IOException {
        String normalized = CachetPaths.normalize(path);
        metrics.operations.increment();
        RetryPolicy.Attempts attempts = router.attempts();
        Optional<FileStatus> status = data.status(normalized, attempts);
        if (status.isPresent()) {
            return status.get();
        }
        // The owner is a worker of an earlier release: ask over gRPC, going on with the same attempts.
        return onOwner(normalized, attempts, stub -> FileStatus.from(stub.getStatus(PathRequest.newBuilder().setPath(normalized).build()).getStatus()));
    }

    public List<FileStatus> list(String path) throws IOException {
        String normalized = CachetPaths.normalize(path);
        return onOwner(normalized, stub -> stub.listStatus(PathRequest.newBuilder().setPath(normalized).build()).getStatusesList().stream()
                .map(FileStatus::from)
                .toList());
    }

    /** Creates the directory and its missing parents; false when a file is in the way. */
    public boolean mkdirs(String path) throws IOException {
        String normalized = CachetPaths.normalize(path);
        return onOwner(normalized, stub -> stub.mkdirs(MkdirsRequest.newBuilder().setPath(normalized).build()).getResult());
    }

    /** False when nothing is at {@code path}; a non-empty directory needs {@code recursive}. */
    public boolean delete(String path, boolean recursive) throws IOException {
        String normalized = CachetPaths.normalize(path);
        return onOwner(normalized, stub -> stub.delete(DeleteRequest.newBuilder().setPath(normalized).setRecursive(recursive).build()).getResult());
    }

    /** Renames with HDFS semantics: into an existing directory, never over an existing file; false when it cannot. */
    public boolean rename(String source, String destination) throws IOException {
        String from = CachetPaths.normalize(source);
        String to = CachetPaths.normalize(destination);
        return onOwner(from, stub -> stub.rename(RenameRequest.newBuilder().setSource(from).setDestination(to).build()).getResult());
    }

    public CachetInputStream open(String path) throws IOException {
        FileStatus status = status(path);
        if (status.directory()) {
            throw new ErrorCode.IsDirectoryException(status.path() + " is a directory, not a file");
        }
        return new CachetInputStream(data, metrics, status.path(), status.length(), readAhead);
    }

    /**
     * Opens a file for writing. The bytes become visible, atomically, when the stream closes; until
     * then, and if the writer fails, the previous file stays as it was.
     */
    public CachetOutputStream create(String path, boolean overwrite, boolean createParents) throws IOException {
        String normalized = CachetPaths.normalize(path);
        metrics.operations.increment();
        DataConnection connection = data.call(normalized, candidate -> {
            candidate.send(TransferProtocol.writeOpen(ByteBufAllocator.DEFAULT, normalized, overwrite, createParents));
            candidate.expectOne(data.frameTimeout(), normalized, FrameType.OK).content().release();
            return candidate;
        }, false);
        return new CachetOutputStream(data, metrics, normalized, connection);
    }

    /** The cache and traffic counters of one worker. */
    public WorkerMetrics workerMetrics(WorkerAddress worker) {
        return workerStub(worker).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS).getMetrics(WorkerMetricsRequest.getDefaultInstance());
    }

    /**
     * Warms the owners' caches with every file at or under {@code path} (a coordinator job split into
     * one task per owning worker); {@code progress} hears each report, and the last one is returned.
     */
    public JobStatus load(String path, Consumer<JobStatus> progress) throws IOException {
        return cacheJob(path, progress, CoordinatorServiceGrpc.getLoadMethod());
    }

    /** Drops every file at or under {@code path} from the owners' caches; reports as {@link #load}. */
    public JobStatus free(String path, Consumer<JobStatus> progress) throws IOException {
        return cacheJob(path, progress, CoordinatorServiceGrpc.getFreeMethod());
    }

    private JobStatus cacheJob(String path, Consumer<JobStatus> progress, MethodDescriptor<JobRequest, JobStatus> method) throws IOException {
        JobRequest request = JobRequest.newBuilder().setPath(CachetPaths.normalize(path)).build();
        JobStatus last = null;
        try {
            // No deadline: a job over a large tree takes as long as it takes, and reports all along.
            Iterator<JobStatus> reports = ClientCalls.blockingServerStreamingCall(coordinator, method, CallOptions.DEFAULT, request);
            while (reports.hasNext()) {
                last = reports.next();
                progress.accept(last);
            }
        }
        catch (StatusRuntimeException e) {
            Optional<IOException> remote = RemoteErrors.fromStatus(e);
            if (remote.isPresent()) {
                throw remote.get();
            }
            throw failures.explain(e, "coordinator", coordinatorSocket());
        }
        if (last == null || !last.getFinished()) {
            throw new IOException("The coordinator at %s ended the job on %s without a final report".formatted(coordinatorAddress, path));
        }
        return last;
    }

    /** Loads the membership now (it is also refreshed on a schedule and when a worker stops answering). */
    public void refreshMembership() throws IOException {
        router.refresh();
    }

    @Override
    public void close() {
        router.close();
        data.close();
        workerChannels.values().forEach(GrpcChannels::close);
        workerChannels.clear();
        GrpcChannels.close(coordinator);
    }

    @FunctionalInterface
    private interface WorkerCall<T> {
        T apply(WorkerServiceGrpc.WorkerServiceBlockingStub stub);
    }

    private <T> T onOwner(String path, WorkerCall<T> call) throws IOException {
        metrics.operations.increment();
        return onOwner(path, router.attempts(), call);
    }

    private <T> T onOwner(String path, RetryPolicy.Attempts attempts, WorkerCall<T> call) throws IOException {
        while (true) {
            WorkerAddress worker = router.owner(path, attempts);
            try {
                return call.apply(workerStub(worker).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS));
            }
            catch (StatusRuntimeException e) {
                Optional<IOException> remote = RemoteErrors.fromStatus(e);
                if (remote.isPresent()) {
                    throw remote.get();
                }
                IOException failure = failures.explain(e, "worker " + worker.id(), new InetSocketAddress(worker.host(), worker.rpcPort()));
                if (failure instanceof TlsHandshakeException handshake && !handshake.isRetriable()) {
                    throw failure;
                }
                data.evict(worker.id());
                router.retry(attempts, worker, failure);
            }
        }
    }

    /** A worker left the membership: what was kept for it goes. */
    private void forget(String workerId) {
        data.evict(workerId);
        ManagedChannel channel = workerChannels.remove(workerId);
        if (channel != null) {
            GrpcChannels.close(channel);
        }
    }

    private WorkerServiceGrpc.WorkerServiceBlockingStub workerStub(WorkerAddress worker) {
        ManagedChannel channel = workerChannels.computeIfAbsent(worker.id(), id -> GrpcChannels.open(worker.host(), worker.rpcPort(), tls, metrics.tlsHandshakes::increment));
        return WorkerServiceGrpc.newBlockingStub(channel);
    }

    private InetSocketAddress coordinatorSocket() {
        return new InetSocketAddress(coordinatorAddress.getHost(), coordinatorAddress.getPort());
    }

    private static HostAndPort parseAddress(String address) {
        try {
            HostAndPort parsed = HostAndPort.fromString(address);
            if (!parsed.hasPort()) {
                throw new IllegalArgumentException("no port");
            }
            return parsed;
        }
        catch (IllegalArgumentException e) {
            throw new ConfigException("Invalid value '%s' for %s: expected host:port".formatted(address, CachetKeys.COORDINATOR_ADDRESS.name()));
        }
    }
}
