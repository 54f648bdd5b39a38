package io.cachet.server;

import io.cachet.tls.TlsContexts;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Starts a gRPC server that accepts what the node's connection policy says, and logs every refused connection. */
public final class GrpcServers {
    private GrpcServers() {}

    /**
     * @param internodeMethods the methods (full names) only peer servers may call (they must say which node they are)
     * @param peers where the calls of peer servers are counted, per peer
     */
    public static Server start(InetSocketAddress address, ConnectionPolicy policy, Optional<TlsContexts> tls, String listener, ConnectionCounters counters,
            List<BindableService> services, Set<String> internodeMethods, InternodePeers peers) throws IOException {
        ConnectionPolicy.Inbound inbound = policy.rpcInbound();
        Duration firstBytesTimeout = tls.map(contexts -> contexts.settings().handshakeTimeout()).orElse(Duration.ofSeconds(10));
        ObservedGrpcNegotiator negotiator = new ObservedGrpcNegotiator(
                inbound.acceptsTls() ? InternalProtocolNegotiators.serverTls(tls.orElseThrow().grpcServer()) : null,
                InternalProtocolNegotiators.serverPlaintext(),
                inbound, listener, counters, firstBytesTimeout);
        NettyServerBuilder builder = NettyServerBuilder.forAddress(address, InternalNettyServerCredentials.create(negotiator))
                .maxInboundMessageSize(64 << 20)
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true);
        InboundCalls calls = new InboundCalls(policy, internodeMethods, peers, listener);
        services.forEach(service -> builder.addService(ServerInterceptors.intercept(service, calls)));
        try {
            return builder.build().start();
        }
        catch (IOException e) {
            throw new IOException("%s cannot listen on %s: %s".formatted(listener, address, e.getMessage()), e);
        }
    }

    public static void stop(Server server) {
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
            }
        }
        catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
