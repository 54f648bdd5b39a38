package io.cachet.server;

import io.cachet.tls.HandshakeFailures;
import io.cachet.tls.TlsFailureCause;
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
import io.grpc.netty.shaded.io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * gRPC's own server negotiators (TLS and plaintext) behind a first-bytes check: it picks TLS or
 * plaintext by the first byte when the listener accepts both (one port during a migration), refuses
 * the kind the listener does not accept, closes a connection that sends nothing in time, and logs
 * every refusal with the peer's address and the diagnosis.
 */
final class ObservedGrpcNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
    private static final Logger log = LoggerFactory.getLogger(ObservedGrpcNegotiator.class);

    private final InternalProtocolNegotiator.ProtocolNegotiator tls;
    private final InternalProtocolNegotiator.ProtocolNegotiator plaintext;
    private final ConnectionPolicy.Inbound inbound;
    private final ConnectionLimits limits;
    private final String listener;
    private final ConnectionCounters.Listener counters;
    private final Duration firstBytesTimeout;

    ObservedGrpcNegotiator(InternalProtocolNegotiator.ProtocolNegotiator tls, InternalProtocolNegotiator.ProtocolNegotiator plaintext,
            ConnectionPolicy.Inbound inbound, ConnectionLimits limits, Duration firstBytesTimeout) {
        this.tls = tls;
        this.plaintext = requireNonNull(plaintext, "plaintext is null");
        this.inbound = requireNonNull(inbound, "inbound is null");
        this.limits = requireNonNull(limits, "limits is null");
        this.listener = limits.listener();
        this.counters = limits.counters();
        this.firstBytesTimeout = requireNonNull(firstBytesTimeout, "firstBytesTimeout is null");
    }

    @Override
    public AsciiString scheme() {
        return inbound == ConnectionPolicy.Inbound.TLS_ONLY ? tls.scheme() : plaintext.scheme();
    }

    @Override
    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
        return new ChannelHandlerAdapter() {
            @Override
            public void handlerAdded(ChannelHandlerContext context) {
                context.pipeline().addAfter(context.name(), null, new FirstBytes(grpcHandler));
                context.pipeline().remove(this);
            }
        };
    }

    @Override
    public void close() {
        if (tls != null) {
            tls.close();
        }
        plaintext.close();
    }

    /** Waits for the first bytes, then hands the connection to the TLS or the plaintext negotiation. */
    private final class FirstBytes extends ChannelInboundHandlerAdapter {
        private final GrpcHttp2ConnectionHandler grpcHandler;
        // gRPC starts negotiation with a user event; the chosen negotiator must see it, so it waits here for the first bytes.
        private final java.util.List<Object> heldEvents = new java.util.ArrayList<>();
        private ScheduledFuture<?> timeout;

        FirstBytes(GrpcHttp2ConnectionHandler grpcHandler) {
            this.grpcHandler = grpcHandler;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext context) {
            String address = ConnectionAddresses.host(context.channel().remoteAddress());
            if (!limits.tryAcquire(address)) {
                context.close();
                return;
            }
            context.channel().closeFuture().addListener(closed -> limits.release(address));
            timeout = context.executor().schedule(() -> {
                counters.refused();
                log.warn("{} ({}): sent nothing within {}, closed", listener, context.channel().remoteAddress(), firstBytesTimeout);
                context.close();
            }, firstBytesTimeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext context) {
            if (timeout != null) {
                timeout.cancel(false);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext context, Object event) {
            heldEvents.add(event);
        }

        @Override
        public void channelRead(ChannelHandlerContext context, Object message) {
            String peer = String.valueOf(context.channel().remoteAddress());
            boolean startsTls = message instanceof ByteBuf bytes && bytes.isReadable() && bytes.getByte(bytes.readerIndex()) == TransferProtocol.TLS_HANDSHAKE_RECORD;
            boolean useTls = inbound == ConnectionPolicy.Inbound.TLS_ONLY || (inbound == ConnectionPolicy.Inbound.BOTH && startsTls);
            if (inbound == ConnectionPolicy.Inbound.PLAINTEXT_ONLY && startsTls) {
                counters.refused();
                log.warn("{} ({}): a TLS client reached this plaintext port, closed. Fix: the client must set cachet.network.tls.enabled=false, or enable TLS on this server",
                        listener, peer);
                // Answered as the data plane does, so the client's TLS engine reports a plaintext peer; HTTP/2 never sees the TLS bytes.
                io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil.release(message);
                context.writeAndFlush(io.grpc.netty.shaded.io.netty.buffer.Unpooled.wrappedBuffer(TransferProtocol.PLAINTEXT_ANSWER))
                        .addListener(io.grpc.netty.shaded.io.netty.channel.ChannelFutureListener.CLOSE);
                return;
            }
            context.pipeline().addAfter(context.name(), null, (useTls ? tls : plaintext).newHandler(grpcHandler));
            // The negotiation event makes gRPC's TLS negotiator put its SslHandler in place.
            heldEvents.forEach(context::fireUserEventTriggered);
            heldEvents.clear();
            if (useTls) {
                SslHandler ssl = context.pipeline().get(SslHandler.class);
                if (ssl == null) {
                    log.error("{} ({}): gRPC's TLS negotiation did not start; closing", listener, peer);
                    io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil.release(message);
                    context.close();
                    return;
                }
                // gRPC's SslHandler keeps Netty's 10 s handshake timeout: this node's own (tls.handshake.timeout) applies on this plane too.
                // Counted before the close, so whoever sees the connection end also sees it counted.
                io.grpc.netty.shaded.io.netty.channel.Channel channel = context.channel();
                java.util.concurrent.atomic.AtomicBoolean timedOut = new java.util.concurrent.atomic.AtomicBoolean();
                ScheduledFuture<?> deadline = channel.eventLoop().schedule(() -> {
                    if (!ssl.handshakeFuture().isDone() && timedOut.compareAndSet(false, true)) {
                        counters.handshakeFailed(TlsFailureCause.TIMEOUT);
                        log.warn("{} ({}): TLS handshake not finished within {}, closed", listener, peer, firstBytesTimeout);
                        channel.close();
                    }
                }, firstBytesTimeout.toMillis(), TimeUnit.MILLISECONDS);
                ssl.handshakeFuture().addListener(future -> {
                    deadline.cancel(false);
                    if (future.isSuccess()) {
                        counters.tlsHandshake(ssl.engine());
                    }
                    else if (!timedOut.get()) {
                        counters.handshakeFailed(HandshakeFailures.classify(future.cause()));
                        log.warn("{} ({}): {}", listener, peer, HandshakeFailures.explainServerFailure(future.cause(), peer).message());
                    }
                });
            }
            else if (!startsTls) {
                counters.plaintextConnection();
            }
            context.fireChannelRead(message);
            context.pipeline().remove(this);
        }
    }

}
