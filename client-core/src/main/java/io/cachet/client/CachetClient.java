package io.cachet.client;

import com.google.common.net.HostAndPort;
import io.cachet.conf.CachetConfig;
import io.cachet.conf.CachetKeys;
import io.cachet.conf.ConfigException;
import io.cachet.conf.MembershipStore;
import io.cachet.etcd.EtcdClient;
import io.cachet.etcd.EtcdSettings;
import io.cachet.membership.CoalescedRun;
import io.cachet.membership.CoordinatorMembership;
import io.cachet.membership.EtcdMembership;
import io.cachet.membership.MembershipSource;
import io.cachet.routing.CachetPaths;
import io.cachet.routing.HashRing;
import io.cachet.routing.WorkerAddress;
import io.cachet.rpc.ErrorCode;
import io.cachet.rpc.GrpcChannels;
import io.cachet.rpc.RemoteErrors;
import io.cachet.rpc.TransportFailures;
import io.cachet.rpc.proto.CoordinatorServiceGrpc;
import io.cachet.rpc.proto.JobRequest;
import io.cachet.rpc.proto.JobStatus;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.cachet.rpc.proto.DeleteRequest;
import io.cachet.rpc.proto.Membership;
import io.cachet.rpc.proto.MkdirsRequest;
import io.cachet.rpc.proto.PathRequest;
import io.cachet.rpc.proto.RenameRequest;
import io.cachet.rpc.proto.WorkerMetrics;
import io.cachet.rpc.proto.WorkerMetricsRequest;
import io.cachet.rpc.proto.WorkerServiceGrpc;
import io.cachet.tls.HandshakeFailures;
import io.cachet.tls.TlsContexts;
import io.cachet.tls.TlsHandshakeException;
import io.cachet.tls.TlsSettings;
import io.cachet.transfer.DataConnection;
import io.cachet.transfer.DataConnectionPool;
import io.cachet.transfer.FrameType;
import io.cachet.transfer.TransferProtocol;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * The Cachet file API. Finds the worker that owns a path by consistent hashing over the membership
 * the coordinator serves (or, with {@code cachet.membership.store=etcd}, that etcd holds: then the
 * coordinator is needed only for load and free jobs), talks gRPC for metadata and the framed data protocol for bytes, keeps
 * connections per worker, and when a worker stops answering, retries on the worker that will own
 * the path once the coordinator expires it.
 */
public final class CachetClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CachetClient.class);
    private static final Duration SUSPICION = Duration.ofSeconds(30);
    /** How long a call keeps trying other workers (and waiting out a restart) before it fails. */
    private static final Duration RETRY_BUDGET = Duration.ofSeconds(20);
    private static final long REFRESH_AT_MOST_EVERY_NANOS = Duration.ofMillis(500).toNanos();

    private final Optional<TlsContexts> tls;
    private final Duration timeout;
    private final int virtualNodes;
    private final long readAhead;
    private final HostAndPort coordinatorAddress;
    private final ManagedChannel coordinator;
    private final MembershipSource membershipSource;
    private final Map<String, ManagedChannel> workerChannels = new ConcurrentHashMap<>();
    private final Map<String, Long> suspectedUntil = new ConcurrentHashMap<>();
    private final EventLoopGroup dataGroup;
    private final DataConnectionPool dataConnections;
    private final ScheduledExecutorService refresher;
    private final ClientMetrics metrics;
    private volatile HashRing ring = HashRing.of(List.of(), 1);
    private Membership membership = Membership.getDefaultInstance();
    private volatile long lastFailureRefreshNanos;
    private volatile boolean coordinatorUnreachable;

    private boolean emptyListSeen;

    private CachetClient(CachetConfig config, Optional<TlsContexts> tls, ClientMetrics metrics) {
        this.tls = tls;
        this.metrics = metrics;
        this.timeout = config.get(CachetKeys.CLIENT_RPC_TIMEOUT);
        this.virtualNodes = config.get(CachetKeys.ROUTING_VIRTUAL_NODES);
        this.readAhead = config.get(CachetKeys.CLIENT_READ_AHEAD);
        this.coordinatorAddress = parseAddress(config.get(CachetKeys.COORDINATOR_ADDRESS));
        // etcd first: its settings and TLS files are checked before anything is opened.
        Optional<EtcdClient> etcd = config.get(CachetKeys.MEMBERSHIP_STORE) == MembershipStore.ETCD
                ? Optional.of(EtcdClient.create(EtcdSettings.from(config)))
                : Optional.empty();
        this.coordinator = GrpcChannels.open(coordinatorAddress.getHost(), coordinatorAddress.getPort(), tls);
        this.membershipSource = etcd.<MembershipSource>map(client -> new EtcdMembership(client, true))
                .orElseGet(() -> new CoordinatorMembership(coordinator, coordinatorAddress, timeout));
        countHandshake();
        this.dataGroup = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("cachet-client-data", true), NioIoHandler.newFactory());
        this.dataConnections = new DataConnectionPool(new Bootstrap().group(dataGroup).channel(NioSocketChannel.class), tls, timeout,
                config.get(CachetKeys.NETWORK_IDLE_TIMEOUT).dividedBy(2), worker -> countHandshake());
        this.refresher = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("cachet-client-membership", true));
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
            client.refreshMembership();
        }
        catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
        long refreshMillis = config.get(CachetKeys.CLIENT_MEMBERSHIP_REFRESH).toMillis();
        client.refresher.scheduleWithFixedDelay(client::refreshQuietly, refreshMillis, refreshMillis, TimeUnit.MILLISECONDS);
        // A change the store pushes is read on the refresh thread, once for any number that arrive meanwhile.
        client.membershipSource.onChange(new CoalescedRun(client.refresher, client::refreshQuietly)::request);
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
        return ring.workers();
    }

    /** The worker that serves {@code path} now: its ring owner, or the next one while the owner does not answer. */
    public WorkerAddress owner(String path) throws IOException {
        String normalized = CachetPaths.normalize(path);
        return ring.owner(normalized, worker -> !isSuspected(worker))
                .or(() -> ring.owner(normalized))
                .orElseThrow(() -> new IOException("No workers are registered in " + membershipSource.describe()));
    }

    public FileStatus status(String path) throws IOException {
        String normalized = CachetPaths.normalize(path);
        return onOwner(normalized, stub -> FileStatus.from(stub.getStatus(PathRequest.newBuilder().setPath(normalized).build()).getStatus()));
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
        return new CachetInputStream(this, status.path(), status.length(), readAhead);
    }

    /**
     * Opens a file for writing. The bytes become visible, atomically, when the stream closes; until
     * then, and if the writer fails, the previous file stays as it was.
     */
    public CachetOutputStream create(String path, boolean overwrite, boolean createParents) throws IOException {
        String normalized = CachetPaths.normalize(path);
        metrics.operations.increment();
        DataConnection connection = withDataConnection(normalized, candidate -> {
            candidate.send(TransferProtocol.writeOpen(io.netty.buffer.ByteBufAllocator.DEFAULT, normalized, overwrite, createParents));
            next(candidate, normalized, FrameType.OK).content().release();
            return candidate;
        }, false);
        return new CachetOutputStream(this, normalized, connection);
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
            throw transportFailure(e, "coordinator", new InetSocketAddress(coordinatorAddress.getHost(), coordinatorAddress.getPort()));
        }
        if (last == null || !last.getFinished()) {
            throw new IOException("The coordinator at %s ended the job on %s without a final report".formatted(coordinatorAddress, path));
        }
        return last;
    }

    /** Loads the membership now (it is also refreshed on a schedule and when a worker stops answering). */
    public void refreshMembership() throws IOException {
        Membership membership;
        try {
            membership = membershipSource.fetch();
        }
        catch (StatusRuntimeException e) {
            throw transportFailure(e, "coordinator", new InetSocketAddress(coordinatorAddress.getHost(), coordinatorAddress.getPort()));
        }
        synchronized (this) {
            // Compared by content: a restarted coordinator counts versions from the start again.
            if (membership.getWorkersList().equals(this.membership.getWorkersList())) {
                return;
            }
            List<WorkerAddress> workers = new java.util.ArrayList<>(membership.getWorkersList().stream().map(WorkerAddress::from).toList());
            if (workers.isEmpty() && !ring.workers().isEmpty()) {
                // A coordinator that lists nobody (it lost its workers, or it is not the one that had them) is less likely than a
                // coordinator problem: routing to nothing would fail every call, the workers known may well still serve.
                if (!emptyListSeen) {
                    emptyListSeen = true;
                    log.warn("{} lists no workers; going on with the {} known until it lists some", membershipSource.describe(), ring.workers().size());
                }
                return;
            }
            emptyListSeen = false;
            if (!membership.getSettled()) {
                // A coordinator that just started is still gathering its workers: a worker it does not list yet is not gone.
                for (WorkerAddress known : ring.workers()) {
                    if (workers.stream().noneMatch(worker -> worker.id().equals(known.id()))) {
                        workers.add(known);
                    }
                }
            }
            HashRing previous = ring;
            // A worker listed again (re-registered after a restart) is worth trying again.
            workers.stream().filter(worker -> !previous.workers().contains(worker)).forEach(worker -> suspectedUntil.remove(worker.id()));
            ring = HashRing.of(workers, virtualNodes);
            this.membership = membership;
            for (WorkerAddress gone : previous.workers()) {
                if (!workers.contains(gone)) {
                    forget(gone.id());
                }
            }
            log.debug("Membership version {}: {} workers", membership.getVersion(), workers.size());
        }
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        membershipSource.close();
        dataConnections.close();
        workerChannels.values().forEach(GrpcChannels::close);
        workerChannels.clear();
        GrpcChannels.close(coordinator);
        dataGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    // ---- used by the streams

    Duration timeout() {
        return timeout;
    }

    ClientMetrics metricsRecorder() {
        return metrics;
    }

    void release(DataConnection connection) {
        dataConnections.release(connection);
    }

    /**
     * Runs {@code call} on a data connection to the owner of {@code path}, moving to the next owner
     * when a worker does not answer. With {@code release}, the connection goes back to the pool after a
     * successful call; otherwise the caller keeps it.
     */
    <T> T withDataConnection(String path, DataCall<T> call, boolean release) throws IOException {
        Retry retry = new Retry();
        while (true) {
            WorkerAddress worker = retry.owner(path);
            DataConnection connection;
            try {
                connection = dataConnections.acquire(worker);
            }
            catch (TlsHandshakeException e) {
                metrics.handshakeFailures.increment();
                if (!e.isRetriable()) {
                    throw e;
                }
                unreachable(worker, e);
                retry.failed(e);
                continue;
            }
            catch (IOException e) {
                unreachable(worker, e);
                retry.failed(e);
                continue;
            }
            try {
                T result = call.apply(connection);
                if (release) {
                    dataConnections.release(connection);
                }
                return result;
            }
            catch (RemoteError e) {
                connection.markBroken();
                dataConnections.release(connection);
                throw e.error;
            }
            catch (TlsHandshakeException e) {
                connection.close();
                if (!e.isRetriable()) {
                    throw e;
                }
                unreachable(worker, e);
                retry.failed(e);
            }
            catch (IOException e) {
                connection.close();
                unreachable(worker, e);
                retry.failed(e);
            }
        }
    }

    /** The next frame, which must be one of {@code accepted}; an ERROR frame becomes the matching exception. */
    static DataConnection.Frame next(DataConnection connection, String path, FrameType... accepted) throws IOException {
        DataConnection.Frame frame = connection.next(Duration.ofMinutes(2));
        for (FrameType type : accepted) {
            if (frame.type() == type) {
                return frame;
            }
        }
        try {
            if (frame.type() == FrameType.ERROR) {
                ErrorCode code = ErrorCode.fromWire(frame.content().readByte());
                throw new RemoteError(code.toException(TransferProtocol.readString(frame.content())));
            }
            throw new IOException("Worker %s sent %s where %s was expected for %s".formatted(
                    connection.worker().id(), frame.type(), java.util.Arrays.toString(accepted), path));
        }
        finally {
            frame.content().release();
        }
    }

    @FunctionalInterface
    interface DataCall<T> {
        T apply(DataConnection connection) throws IOException;
    }

    @FunctionalInterface
    private interface WorkerCall<T> {
        T apply(WorkerServiceGrpc.WorkerServiceBlockingStub stub);
    }

    /** A file-system error the worker reported; it is the answer, so it is not retried elsewhere. */
    static final class RemoteError extends IOException {
        private static final long serialVersionUID = 1L;
        final IOException error;

        RemoteError(IOException error) {
            super(error.getMessage(), error);
            this.error = error;
        }
    }

    // ---- internals

    private <T> T onOwner(String path, WorkerCall<T> call) throws IOException {
        metrics.operations.increment();
        Retry retry = new Retry();
        while (true) {
            WorkerAddress worker = retry.owner(path);
            try {
                return call.apply(workerStub(worker).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS));
            }
            catch (StatusRuntimeException e) {
                Optional<IOException> remote = RemoteErrors.fromStatus(e);
                if (remote.isPresent()) {
                    throw remote.get();
                }
                IOException failure = transportFailure(e, "worker " + worker.id(), new InetSocketAddress(worker.host(), worker.rpcPort()));
                if (failure instanceof TlsHandshakeException handshake && !handshake.isRetriable()) {
                    throw failure;
                }
                unreachable(worker, failure);
                retry.failed(failure);
            }
        }
    }

    /**
     * One call's attempts: each failure moves to the next owner; when every worker has failed, it waits
     * a little (a worker restarting, a coordinator gathering its workers) and tries again, until the
     * budget is spent.
     */
    private final class Retry {
        private final long deadline = System.nanoTime() + RETRY_BUDGET.toNanos();
        private long backoffMillis = 25;
        private int attempts;

        WorkerAddress owner(String path) throws IOException {
            while (true) {
                try {
                    return CachetClient.this.owner(path);
                }
                catch (IOException e) {
                    failed(e);
                }
            }
        }

        void failed(IOException failure) throws IOException {
            attempts++;
            if (System.nanoTime() - deadline > 0) {
                throw failure;
            }
            if (attempts >= Math.max(1, ring.workers().size())) {
                try {
                    Thread.sleep(backoffMillis);
                }
                catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while retrying: " + failure.getMessage());
                }
                backoffMillis = Math.min(1000, backoffMillis * 2);
                refreshQuietly();
            }
        }
    }

    private IOException transportFailure(StatusRuntimeException e, String peer, InetSocketAddress address) {
        if (tls.isPresent()) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof javax.net.ssl.SSLException || cause instanceof java.security.cert.CertificateException) {
                    metrics.handshakeFailures.increment();
                    return HandshakeFailures.explainClientFailure(cause, address, tls.get());
                }
            }
        }
        else if (e.getStatus().getCode() == Status.Code.UNAVAILABLE && !TransportFailures.causedBy(e, java.net.ConnectException.class)) {
            IOException explained = HandshakeFailures.explainPlaintextClientRefused(address, Duration.ofSeconds(5), e);
            if (explained instanceof TlsHandshakeException) {
                return explained;
            }
        }
        if (TransportFailures.causedBy(e, java.net.ConnectException.class)) {
            return new IOException("Cannot connect to the %s at %s:%d: nothing listens there (connection refused). Fix: start it, or point %s at the right host:port"
                    .formatted(peer, address.getHostString(), address.getPort(), peer.equals("coordinator") ? CachetKeys.COORDINATOR_ADDRESS.name() : "the client"), e);
        }
        return new IOException("%s at %s:%d failed: %s".formatted(peer, address.getHostString(), address.getPort(), TransportFailures.oneLine(e)), e);
    }

    void unreachable(WorkerAddress worker, IOException failure) {
        log.info("Worker {} at {} did not answer ({}); trying the next owner", worker.id(), worker.host(), failure.getMessage());
        metrics.retries.increment();
        suspectedUntil.put(worker.id(), System.nanoTime() + SUSPICION.toNanos());
        dataConnections.evict(worker.id());
        // Many calls may fail at once: one membership refresh answers them all.
        long now = System.nanoTime();
        if (now - lastFailureRefreshNanos > REFRESH_AT_MOST_EVERY_NANOS) {
            lastFailureRefreshNanos = now;
            refreshQuietly();
        }
    }

    private boolean isSuspected(WorkerAddress worker) {
        Long until = suspectedUntil.get(worker.id());
        if (until == null) {
            return false;
        }
        if (System.nanoTime() - until > 0) {
            suspectedUntil.remove(worker.id(), until);
            return false;
        }
        return true;
    }

    /** The scheduled refresh: a membership store that cannot be reached is said once; the client keeps the workers it knows meanwhile. */
    private void refreshQuietly() {
        try {
            refreshMembership();
            if (coordinatorUnreachable) {
                coordinatorUnreachable = false;
                log.info("{} answers again; membership refreshed", membershipSource.describe());
            }
        }
        catch (IOException | RuntimeException e) {
            if (!coordinatorUnreachable) {
                coordinatorUnreachable = true;
                log.warn("Cannot refresh membership from {}: {}. Reads and writes go on with the {} workers known; "
                        + "workers that join meanwhile are not used, and workers that stop are skipped by retries", membershipSource.describe(), e.getMessage(), ring.workers().size());
            }
            else {
                log.debug("Still cannot refresh membership from {}: {}", membershipSource.describe(), e.getMessage());
            }
        }
    }

    private void forget(String workerId) {
        suspectedUntil.remove(workerId);
        dataConnections.evict(workerId);
        ManagedChannel channel = workerChannels.remove(workerId);
        if (channel != null) {
            GrpcChannels.close(channel);
        }
    }

    private WorkerServiceGrpc.WorkerServiceBlockingStub workerStub(WorkerAddress worker) {
        ManagedChannel channel = workerChannels.computeIfAbsent(worker.id(), id -> {
            countHandshake();
            return GrpcChannels.open(worker.host(), worker.rpcPort(), tls);
        });
        return WorkerServiceGrpc.newBlockingStub(channel);
    }

    private void countHandshake() {
        if (tls.isPresent()) {
            metrics.tlsHandshakes.increment();
        }
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
