package io.cachet.transfer;

import io.cachet.routing.WorkerAddress;
import io.cachet.tls.TlsContexts;
import io.netty.bootstrap.Bootstrap;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * Idle data connections per worker, so a client pays for a TCP connect and a TLS handshake once per
 * connection rather than once per read or write; up to {@code maxIdlePerWorker} of them, enough for
 * every thread of an engine process (task slots, split threads) calling one worker at once, since a
 * connection closed on release costs a handshake on the next call. A connection idle for {@code maxIdle} is not reused:
 * workers close connections idle for {@code cachet.network.idle.timeout}, and a request sent into a
 * connection the worker is closing would fail and make the client suspect a healthy worker.
 */
public final class DataConnectionPool implements AutoCloseable {
    private final Bootstrap bootstrap;
    private final Optional<TlsContexts> tls;
    private final Duration timeout;
    private final Consumer<WorkerAddress> onOpen;
    private final long maxIdleNanos;
    private final int maxIdlePerWorker;
    private final Map<String, Deque<DataConnection>> idle = new HashMap<>();
    private boolean closed;

    public DataConnectionPool(Bootstrap bootstrap, Optional<TlsContexts> tls, Duration timeout, Duration maxIdle, int maxIdlePerWorker, Consumer<WorkerAddress> onOpen) {
        this.bootstrap = requireNonNull(bootstrap, "bootstrap is null");
        this.tls = requireNonNull(tls, "tls is null");
        this.timeout = requireNonNull(timeout, "timeout is null");
        this.onOpen = requireNonNull(onOpen, "onOpen is null");
        this.maxIdleNanos = maxIdle.toNanos();
        this.maxIdlePerWorker = maxIdlePerWorker;
    }

    public DataConnection acquire(WorkerAddress worker) throws IOException {
        synchronized (this) {
            if (closed) {
                throw new IOException("The client is closed");
            }
            Deque<DataConnection> connections = idle.get(worker.id());
            while (connections != null && !connections.isEmpty()) {
                DataConnection connection = connections.pollFirst();
                if (connection.isReusable() && System.nanoTime() - connection.idleSinceNanos() < maxIdleNanos) {
                    return connection;
                }
                connection.close();
            }
        }
        DataConnection connection = DataConnection.open(bootstrap, worker, tls, timeout);
        onOpen.accept(worker);
        return connection;
    }

    /** Returns a connection after a complete request; a connection that is not reusable is closed. */
    public void release(DataConnection connection) {
        synchronized (this) {
            Deque<DataConnection> connections = idle.computeIfAbsent(connection.worker().id(), id -> new ArrayDeque<>());
            if (!closed && connection.isReusable() && connections.size() < maxIdlePerWorker) {
                connection.idleSince(System.nanoTime());
                connections.addFirst(connection);
                return;
            }
        }
        connection.close();
    }

    /** Closes the idle connections to a worker that left the cluster or stopped answering. */
    public void evict(String workerId) {
        Deque<DataConnection> connections;
        synchronized (this) {
            connections = idle.remove(workerId);
        }
        if (connections != null) {
            connections.forEach(DataConnection::close);
        }
    }

    @Override
    public void close() {
        Map<String, Deque<DataConnection>> all;
        synchronized (this) {
            closed = true;
            all = new HashMap<>(idle);
            idle.clear();
        }
        all.values().forEach(connections -> connections.forEach(DataConnection::close));
    }
}
