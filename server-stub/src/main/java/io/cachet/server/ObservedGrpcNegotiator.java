package io.cachet.server;

import io.cachet.tls.HandshakeFailures;
import io.cachet.transfer.TransferProtocol;
import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static java.util.Objects.requireNonNull;

/**
 * gRPC's own server negotiator (TLS or plaintext) with an observer in front of it, so the server logs
 * every refused handshake with the peer's address and the diagnosis, and counts what it accepted.
 */
final class ObservedGrpcNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
    private static final Logger log = LoggerFactory.getLogger(ObservedGrpcNegotiator.class);

    private final InternalProtocolNegotiator.ProtocolNegotiator delegate;
    private final boolean tls;
    private final String listener;
    private final ConnectionCounters counters;

    ObservedGrpcNegotiator(InternalProtocolNegotiator.ProtocolNegotiator delegate, boolean tls, String listener, ConnectionCounters counters) {
        this.delegate = requireNonNull(delegate, "delegate is null");
        this.tls = tls;
        this.listener = requireNonNull(listener, "listener is null");
        this.counters = requireNonNull(counters, "counters is null");
    }

    @Override
    public AsciiString scheme() {
        return delegate.scheme();
    }

    @Override
    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
        ChannelHandler negotiation = delegate.newHandler(grpcHandler);
        return new ChannelHandlerAdapter() {
            @Override
            public void handlerAdded(ChannelHandlerContext context) {
                // Observer first, then gRPC's negotiation, which puts its SslHandler right before itself.
                context.pipeline().addAfter(context.name(), null, negotiation);
                context.pipeline().addAfter(context.name(), null, new FirstBytesObserver());
                context.pipeline().remove(this);
            }
        };
    }

    @Override
    public void close() {
        delegate.close();
    }

    private final class FirstBytesObserver extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext context, Object message) {
            String peer = String.valueOf(context.channel().remoteAddress());
            boolean startsTls = message instanceof ByteBuf bytes && bytes.isReadable() && bytes.getByte(bytes.readerIndex()) == TransferProtocol.TLS_HANDSHAKE_RECORD;
            if (tls) {
                SslHandler ssl = context.pipeline().get(SslHandler.class);
                if (ssl != null) {
                    ssl.handshakeFuture().addListener(future -> {
                        if (future.isSuccess()) {
                            counters.tlsHandshake(presentedCertificate(ssl.engine()));
                        }
                        else {
                            counters.refused();
                            log.warn("{} ({}): {}", listener, peer, HandshakeFailures.explainServerFailure(future.cause(), peer).message());
                        }
                    });
                }
            }
            else if (startsTls) {
                counters.refused();
                log.warn("{} ({}): a TLS client reached this plaintext port, closed. Fix: the client must set cachet.network.tls.enabled=false, or enable TLS on this server",
                        listener, peer);
            }
            else {
                counters.plaintextConnection();
            }
            context.pipeline().remove(this);
            context.fireChannelRead(message);
        }
    }

    private static boolean presentedCertificate(javax.net.ssl.SSLEngine engine) {
        try {
            return engine.getSession().getPeerCertificates().length > 0;
        }
        catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            return false;
        }
    }
}
