package io.cachet.server;

import io.cachet.routing.WorkerAddress;
import io.cachet.rpc.GrpcChannels;
import io.cachet.tls.TlsContexts;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A node's gRPC channels to worker peers, one per peer, each encrypted or not as the internode mode
 * says for the peer's dc and rack, and each carrying this node's {@link NodeIdentity} and its proof.
 */
public final class PeerChannels implements AutoCloseable {
    private record Open(String target, ManagedChannel managed, Channel channel) {}

    private final NodeIdentity self;
    private final NodeSecurity security;
    private final ClientInterceptor outbound;
    private final ConnectionPolicy policy;
    private final Optional<TlsContexts> tls;
    private final ConcurrentMap<String, Open> channels = new ConcurrentHashMap<>();

    /** {@code outbound} observes every call, to count the handshakes this node fails as a client. */
    public PeerChannels(NodeIdentity self, NodeSecurity security, ConnectionPolicy policy, Optional<TlsContexts> tls, ClientInterceptor outbound) {
        this.self = self;
        this.security = security;
        this.outbound = outbound;
        this.policy = policy;
        this.tls = tls;
    }

    /** The channel to {@code worker}; a worker that came back on another address gets a new one. */
    public Channel to(WorkerAddress worker) {
        boolean encrypt = policy.encryptTo(worker.dc(), worker.rack());
        String target = worker.rpcEndpoint() + (encrypt ? " tls" : " plaintext");
        Open[] replaced = new Open[1];
        Open open = channels.compute(worker.id(), (id, current) -> {
            if (current != null && current.target.equals(target)) {
                return current;
            }
            replaced[0] = current;
            ManagedChannel managed = GrpcChannels.open(worker.host(), worker.rpcPort(), encrypt ? tls : Optional.empty());
            return new Open(target, managed, ClientInterceptors.intercept(managed, security.credentialsToWorker(self, worker.id()), outbound));
        });
        // Closed outside the map: closing waits for the old channel's calls, which must not hold up other peers' lookups.
        if (replaced[0] != null) {
            GrpcChannels.close(replaced[0].managed);
        }
        return open.channel;
    }

    /** Closes the channels of workers that left. */
    public void retain(Set<String> workerIds) {
        channels.entrySet().removeIf(entry -> {
            if (workerIds.contains(entry.getKey())) {
                return false;
            }
            GrpcChannels.close(entry.getValue().managed);
            return true;
        });
    }

    @Override
    public void close() {
        retain(Set.of());
    }
}
