package io.cachet.rpc;

import io.cachet.tls.TlsContexts;
import io.grpc.Attributes;
import io.grpc.ClientTransportFilter;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NegotiationType;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Opens gRPC channels that follow the node's TLS settings: one channel per peer, one handshake per connection. */
public final class GrpcChannels {
    private GrpcChannels() {}

    public static ManagedChannel open(String host, int port, Optional<TlsContexts> tls) {
        return open(host, port, tls, () -> {});
    }

    /** As {@link #open(String, int, Optional)}; {@code handshakeDone} runs after each TLS handshake of the channel's connections. */
    public static ManagedChannel open(String host, int port, Optional<TlsContexts> tls, Runnable handshakeDone) {
        NettyChannelBuilder builder = NettyChannelBuilder.forAddress(host, port)
                .keepAliveTime(30, TimeUnit.SECONDS)
                .maxInboundMessageSize(64 << 20);
        if (tls.isPresent()) {
            builder.negotiationType(NegotiationType.TLS).sslContext(tls.get().grpcClient());
            // A channel connects (and reconnects) when it needs to: a transport ready with a TLS session is one handshake done.
            builder.addTransportFilter(new ClientTransportFilter() {
                @Override
                public Attributes transportReady(Attributes attributes) {
                    if (attributes.get(Grpc.TRANSPORT_ATTR_SSL_SESSION) != null) {
                        handshakeDone.run();
                    }
                    return attributes;
                }
            });
        }
        else {
            builder.usePlaintext();
        }
        return builder.build();
    }

    public static void close(ManagedChannel channel) {
        channel.shutdown();
        try {
            if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        }
        catch (InterruptedException e) {
            channel.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
