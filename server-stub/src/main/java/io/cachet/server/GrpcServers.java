package io.cachet.server;

import io.cachet.conf.InternodeEncryption;
import io.cachet.tls.TlsContexts;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Starts a gRPC server that accepts what the node's connection policy says, and logs every refused connection. */
public final class GrpcServers {
    private GrpcServers() {}

    /** The largest request a gRPC listener takes: a load task's file list for one worker; pages travel the other way. */
    private static final int MAX_INBOUND_MESSAGE = 16 << 20;
    private static final int MAX_INBOUND_METADATA = 16 << 10;
    private static final int MAX_CALLS_PER_CONNECTION = 1000;

    /**
     * @param security how callers that claim to be nodes prove it
     * @param limits connections, idle time and age this listener allows; names the listener and counts its refusals
     * @param internodeMethods the methods (full names) only proven nodes may call
     * @param peers where the calls of peer servers are counted, per peer
     * @param onTransportThreads whether calls run on the transport's own threads, saving two thread hand-offs a call: only
     *         for services that never block there (they hand anything slow to an executor of their own)
     */
    public static Server start(InetSocketAddress address, ConnectionPolicy policy, Optional<TlsContexts> tls, NodeSecurity security, ConnectionLimits limits,
            List<BindableService> services, Set<String> internodeMethods, InternodePeers peers, boolean onTransportThreads) throws IOException {
        ConnectionPolicy.Inbound inbound = policy.rpcInbound();
        Duration firstBytesTimeout = tls.map(contexts -> contexts.settings().handshakeTimeout()).orElse(Duration.ofSeconds(10));
        // Peers prove they are nodes with their certificates whenever they may call over TLS: ask every TLS caller for one.
        boolean askForCertificates = policy.internode() != InternodeEncryption.NONE;
        ObservedGrpcNegotiator negotiator = new ObservedGrpcNegotiator(
                inbound.acceptsTls() ? tlsNegotiator(tls.orElseThrow(), askForCertificates) : null,
                InternalProtocolNegotiators.serverPlaintext(),
                inbound, limits, firstBytesTimeout);
        ConnectionLimits.Settings bounds = limits.settings();
        NettyServerBuilder builder = NettyServerBuilder.forAddress(address, InternalNettyServerCredentials.create(negotiator))
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE)
                .maxInboundMetadataSize(MAX_INBOUND_METADATA)
                .maxConcurrentCallsPerConnection(MAX_CALLS_PER_CONNECTION)
                .maxConnectionIdle(bounds.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .maxConnectionAge(bounds.maxConnectionAge().toMillis(), TimeUnit.MILLISECONDS)
                .maxConnectionAgeGrace(1, TimeUnit.MINUTES)
                // A peer that vanished without closing is found by pings and its connection closed.
                .keepAliveTime(1, TimeUnit.MINUTES)
                .keepAliveTimeout(20, TimeUnit.SECONDS)
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true);
        if (onTransportThreads) {
            builder.directExecutor();
        }
        InboundCalls calls = new InboundCalls(policy, security, internodeMethods, peers, limits.listener());
        services.forEach(service -> builder.addService(ServerInterceptors.intercept(service, calls)));
        try {
            return builder.build().start();
        }
        catch (IOException e) {
            throw new IOException("%s cannot listen on %s: %s".formatted(limits.listener(), address, e.getMessage()), e);
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

    /**
     * gRPC's TLS negotiator over the context of the material in service, asked for per connection, so a
     * reloaded certificate starts a new context (no session of the old one resumes). Built once now, so a
     * context that cannot be built fails the start.
     */
    private static Supplier<InternalProtocolNegotiator.ProtocolNegotiator> tlsNegotiator(TlsContexts tls, boolean askForCertificates) {
        tls.grpcServer(askForCertificates);
        return () -> InternalProtocolNegotiators.serverTls(tls.grpcServer(askForCertificates));
    }
}
