package io.cachet.client;

import io.cachet.routing.WorkerAddress;
import io.cachet.tls.TlsContexts;
import io.cachet.tls.TlsHandshakeException;
import io.cachet.transfer.DataConnection;
import io.cachet.transfer.DataConnectionPool;
import io.cachet.transfer.FrameType;
import io.cachet.transfer.RemoteError;
import io.cachet.transfer.TransferProtocol;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static java.util.Objects.requireNonNull;

/**
 * The client's side of the framed data protocol: a pool of connections per worker and the calls that
 * run on them, each on the owner of its path and, when a worker does not answer, on the next owner as
 * the router's retry policy allows. The streams read and write through it and nothing else.
 */
final class DataPlane implements AutoCloseable {
    private final WorkerRouter router;
    private final ClientMetrics metrics;
    private final Duration frameTimeout;
    private final EventLoopGroup group;
    private final DataConnectionPool connections;

    DataPlane(WorkerRouter router, Optional<TlsContexts> tls, ClientMetrics metrics, Duration connectTimeout, Duration frameTimeout, Duration maxIdle, int idlePerWorker) {
        this.router = requireNonNull(router, "router is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.frameTimeout = requireNonNull(frameTimeout, "frameTimeout is null");
        this.group = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("cachet-client-data", true), NioIoHandler.newFactory());
        this.connections = new DataConnectionPool(new Bootstrap().group(group).channel(NioSocketChannel.class), tls, connectTimeout, maxIdle, idlePerWorker,
                worker -> tls.ifPresent(present -> metrics.tlsHandshakes.increment()));
    }

    /** A call on one data connection. */
    @FunctionalInterface
    interface DataCall<T> {
        T apply(DataConnection connection) throws IOException;
    }

    /** The attempts of one call, for a caller that runs several data calls under one budget. */
    RetryPolicy.Attempts attempts() {
        return router.attempts();
    }

    /** How long a caller waits for the next frame of an answer. */
    Duration frameTimeout() {
        return frameTimeout;
    }

    /** {@link #call(String, RetryPolicy.Attempts, DataCall, boolean)} with a budget of its own. */
    <T> T call(String path, DataCall<T> call, boolean release) throws IOException {
        return call(path, router.attempts(), call, release);
    }

    /**
     * Runs {@code call} on a data connection to the owner of {@code path}, moving to the next owner
     * when a worker does not answer. With {@code release}, the connection goes back to the pool after a
     * successful call; otherwise the caller keeps it and gives it back with {@link #release}.
     */
    <T> T call(String path, RetryPolicy.Attempts attempts, DataCall<T> call, boolean release) throws IOException {
        return callOwner(path, attempts, worker -> true, null, call, release);
    }

    /** {@link #call}, or {@code unserved} as soon as an owner the call reaches fails {@code serves}: no connection is taken to it. */
    private <T> T callOwner(String path, RetryPolicy.Attempts attempts, Predicate<WorkerAddress> serves, T unserved, DataCall<T> call, boolean release) throws IOException {
        while (true) {
            WorkerAddress worker = router.owner(path, attempts);
            if (!serves.test(worker)) {
                return unserved;
            }
            DataConnection connection;
            try {
                connection = connections.acquire(worker);
            }
            catch (IOException e) {
                if (e instanceof TlsHandshakeException) {
                    metrics.handshakeFailures.increment();
                }
                workerFailed(attempts, worker, e);
                continue;
            }
            try {
                T result = call.apply(connection);
                if (release) {
                    connections.release(connection);
                }
                return result;
            }
            catch (RemoteError e) {
                connections.release(connection);
                throw e.error();
            }
            catch (IOException e) {
                connection.close();
                workerFailed(attempts, worker, e);
            }
        }
    }

    /**
     * The status of {@code path} from its owner, on a data connection: a STATUS frame and its answer, with
     * none of gRPC's layers in the way. Empty when the owner is a worker of an earlier release, which
     * answers status over gRPC alone.
     */
    Optional<FileStatus> status(String path, RetryPolicy.Attempts attempts) throws IOException {
        return callOwner(path, attempts, DataPlane::answersStatus, Optional.empty(), connection -> {
            connection.send(TransferProtocol.status(ByteBufAllocator.DEFAULT, path));
            DataConnection.Frame answer = connection.expectOne(frameTimeout, path, FrameType.FILE_STATUS);
            try {
                return Optional.of(FileStatus.read(answer.content()));
            }
            catch (IndexOutOfBoundsException | IllegalArgumentException e) {
                connection.markBroken();
                throw new IOException("Worker %s sent a malformed FILE_STATUS for %s: %s".formatted(connection.worker().id(), path, e.getMessage()), e);
            }
            finally {
                answer.content().release();
            }
        }, true);
    }

    private static boolean answersStatus(WorkerAddress worker) {
        return worker.dataProtocol() >= TransferProtocol.STATUS_SINCE;
    }

    /**
     * {@code worker} failed one of a call's attempts: the call goes on with the next owner, unless the
     * failure is a TLS one no other worker would answer differently, or the budget is spent.
     */
    void workerFailed(RetryPolicy.Attempts attempts, WorkerAddress worker, IOException failure) throws IOException {
        if (failure instanceof TlsHandshakeException handshake && !handshake.isRetriable()) {
            throw failure;
        }
        connections.evict(worker.id());
        router.retry(attempts, worker, failure);
    }

    void release(DataConnection connection) {
        connections.release(connection);
    }

    /** Drops the idle connections to a worker that failed or left. */
    void evict(String workerId) {
        connections.evict(workerId);
    }

    @Override
    public void close() {
        connections.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
