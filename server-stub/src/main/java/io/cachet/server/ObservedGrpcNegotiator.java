package io.cachet.server;

import io.cachet.transfer.TransferProtocol;
import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFutureListener;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil;
import io.grpc.netty.shaded.io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * gRPC's own server negotiators (TLS and plaintext) behind a first-bytes check: it picks TLS or
 * plaintext by the first byte when the listener accepts both (one port during a migration), refuses
 * the kind the listener does not accept, closes a connection that sends nothing in time, and logs
 * every refusal with the peer's address and the diagnosis ({@link FirstByteSniffer} decides and records).
 *
 * <p>It implements grpc-java's {@code InternalProtocolNegotiator.ProtocolNegotiator}, an API marked
 * internal: it is the only way to put a handler in front of gRPC's own TLS and plaintext negotiators
 * (the public {@code ProtocolNegotiators} cannot pick one per connection), and both wrapped
 * negotiators come from {@code InternalProtocolNegotiators}. A grpc-java upgrade checks this class first.
 */
final class ObservedGrpcNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
    private static final Logger log = LoggerFactory.getLogger(ObservedGrpcNegotiator.class);

    private final Supplier<InternalProtocolNegotiator.ProtocolNegotiator> tls;
    private final InternalProtocolNegotiator.ProtocolNegotiator plaintext;
    private final ConnectionPolicy.Inbound inbound;
    private final ConnectionLimits limits;
    private final String listener;
    private final FirstByteSniffer sniffer;

    /** @param tls gives the TLS negotiator for each new connection (it follows certificate reloads); null when TLS is not accepted */
    ObservedGrpcNegotiator(Supplier<InternalProtocolNegotiator.ProtocolNegotiator> tls, InternalProtocolNegotiator.ProtocolNegotiator plaintext,
            ConnectionPolicy.Inbound inbound, ConnectionLimits limits, Duration firstBytesTimeout) {
        this.tls = tls;
        this.plaintext = requireNonNull(plaintext, "plaintext is null");
        this.inbound = requireNonNull(inbound, "inbound is null");
        this.limits = requireNonNull(limits, "limits is null");
        this.listener = limits.listener();
        this.sniffer = new FirstByteSniffer(inbound, listener, limits.counters(), requireNonNull(firstBytesTimeout, "firstBytesTimeout is null"));
    }

    @Override
    public AsciiString scheme() {
        return inbound == ConnectionPolicy.Inbound.TLS_ONLY ? tls.get().scheme() : plaintext.scheme();
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
        // gRPC's server TLS negotiators hold nothing to close: the contexts belong to TlsContexts.
        plaintext.close();
    }

    /** Waits for the first bytes, then hands the connection to the TLS or the plaintext negotiation. */
    private final class FirstBytes extends ChannelInboundHandlerAdapter {
        private final GrpcHttp2ConnectionHandler grpcHandler;
        // gRPC starts negotiation with a user event; the chosen negotiator must see it, so it waits here for the first bytes.
        private final List<Object> heldEvents = new ArrayList<>();
        private ScheduledFuture<?> silence;

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
            silence = context.executor().schedule(() -> {
                sniffer.silent(String.valueOf(context.channel().remoteAddress()));
                context.close();
            }, sniffer.timeout().toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext context) {
            if (silence != null) {
                silence.cancel(false);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext context, Object event) {
            heldEvents.add(event);
        }

        @Override
        public void channelRead(ChannelHandlerContext context, Object message) {
            if (!(message instanceof ByteBuf bytes)) {
                context.fireChannelRead(message);
                return;
            }
            if (!bytes.isReadable()) {
                bytes.release();
                return;
            }
            String peer = String.valueOf(context.channel().remoteAddress());
            FirstByteSniffer.Route route = sniffer.route(bytes.getByte(bytes.readerIndex()), peer);
            if (route == FirstByteSniffer.Route.REFUSE_TLS) {
                // HTTP/2 never sees the TLS bytes.
                ReferenceCountUtil.release(message);
                context.writeAndFlush(Unpooled.wrappedBuffer(TransferProtocol.PLAINTEXT_ANSWER)).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            boolean useTls = route == FirstByteSniffer.Route.TLS;
            context.pipeline().addAfter(context.name(), null, (useTls ? tls.get() : plaintext).newHandler(grpcHandler));
            // The negotiation event makes gRPC's TLS negotiator put its SslHandler in place.
            heldEvents.forEach(context::fireUserEventTriggered);
            heldEvents.clear();
            if (useTls) {
                SslHandler ssl = context.pipeline().get(SslHandler.class);
                if (ssl == null) {
                    log.error("{} ({}): gRPC's TLS negotiation did not start; closing", listener, peer);
                    ReferenceCountUtil.release(message);
                    context.close();
                    return;
                }
                watchHandshake(context.channel(), ssl, peer);
            }
            else {
                sniffer.plaintextAccepted();
            }
            context.fireChannelRead(message);
            context.pipeline().remove(this);
        }

        /**
         * gRPC's SslHandler keeps Netty's 10 s handshake timeout: this node's own (tls.handshake.timeout)
         * applies on this plane too. A timeout is counted before the close, so whoever sees the connection
         * end also sees it counted.
         */
        private void watchHandshake(Channel channel, SslHandler ssl, String peer) {
            AtomicBoolean timedOut = new AtomicBoolean();
            ScheduledFuture<?> deadline = channel.eventLoop().schedule(() -> {
                if (!ssl.handshakeFuture().isDone() && timedOut.compareAndSet(false, true)) {
                    sniffer.handshakeTimedOut(peer);
                    channel.close();
                }
            }, sniffer.timeout().toMillis(), TimeUnit.MILLISECONDS);
            ssl.handshakeFuture().addListener(future -> {
                deadline.cancel(false);
                if (!timedOut.get()) {
                    sniffer.handshakeDone(peer, ssl.engine(), future.isSuccess() ? null : future.cause());
                }
            });
        }
    }
}
