package io.cachet.rpc;

import io.cachet.tls.TlsContexts;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NegotiationType;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Opens gRPC channels that follow the node's TLS settings: one channel per peer, one handshake per channel. */
public final class GrpcChannels {
    private GrpcChannels() {}

    public static ManagedChannel open(String host, int port, Optional<TlsContexts> tls) {
        NettyChannelBuilder builder = NettyChannelBuilder.forAddress(host, port)
                .keepAliveTime(30, TimeUnit.SECONDS)
                .maxInboundMessageSize(64 << 20);
        if (tls.isPresent()) {
            builder.negotiationType(NegotiationType.TLS).sslContext(tls.get().grpcClient());
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
