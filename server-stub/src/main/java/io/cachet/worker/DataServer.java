package io.cachet.worker;

import io.cachet.conf.CachetKeys;
import io.cachet.server.ConnectionAddresses;
import io.cachet.server.ConnectionCounters;
import io.cachet.server.ConnectionLimits;
import io.cachet.server.ConnectionPolicy;
import io.cachet.server.FirstByteSniffer;
import io.cachet.tls.TlsContexts;
import io.cachet.transfer.TransferProtocol;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * The worker's data listener: the framed page-transfer protocol, over TLS when the node has TLS on.
 * Request handling (disk and under-file-system I/O) runs off the event loop.
 */
final class DataServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DataServer.class);

    /** How long a stopping worker lets running requests finish: a write of a large file from a slow client takes a while. */
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final EventExecutorGroup io;
    private final Channel channel;
    private final ChannelGroup connections;
    private final InFlightRequests inFlight;

    private DataServer(EventLoopGroup boss, EventLoopGroup workers, EventExecutorGroup io, Channel channel, ChannelGroup connections,
            InFlightRequests inFlight) {
        this.boss = boss;
        this.workers = workers;
        this.io = io;
        this.channel = channel;
        this.connections = connections;
        this.inFlight = inFlight;
    }

    static DataServer start(InetSocketAddress address, ConnectionPolicy policy, Optional<TlsContexts> tls, ConnectionLimits limits,
            BiFunction<InFlightRequests, EventExecutorGroup, DataRequestHandler> handlers) throws InterruptedException {
        ConnectionCounters.Listener counters = limits.counters();
        long idleMillis = limits.settings().idleTimeout().toMillis();
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("cachet-data-accept", true), NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("cachet-data", true), NioIoHandler.newFactory());
        EventExecutorGroup io = new DefaultEventExecutorGroup(8, new DefaultThreadFactory("cachet-data-io", true));
        // Built now, so a context that cannot be built fails the start; each connection then asks for the current one.
        Supplier<SslContext> context = policy.dataInbound().acceptsTls() ? tls.orElseThrow()::dataServer : () -> null;
        context.get();
        Duration handshakeTimeout = tls.map(contexts -> contexts.settings().handshakeTimeout()).orElse(Duration.ofSeconds(10));
        FirstByteSniffer sniffer = new FirstByteSniffer(policy.dataInbound(), "Data listener", counters, handshakeTimeout);
        ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        InFlightRequests inFlight = new InFlightRequests();
        try {
            Channel channel = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, TransferProtocol.WATER_MARK)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            String peer = String.valueOf(channel.remoteAddress());
                            String address = ConnectionAddresses.host(channel.remoteAddress());
                            if (!limits.tryAcquire(address)) {
                                channel.close();
                                return;
                            }
                            channel.closeFuture().addListener(closed -> limits.release(address));
                            connections.add(channel);
                            channel.pipeline().addLast(new FirstBytes(sniffer, context.get(), peer));
                            channel.pipeline().addLast(new PrefaceCheck(peer, counters, sniffer));
                            channel.pipeline().addLast(TransferProtocol.requestDecoder());
                            // After the decoder, so only whole frames count as activity: a peer dripping bytes is idle too.
                            channel.pipeline().addLast(new IdleStateHandler(0, 0, idleMillis, TimeUnit.MILLISECONDS));
                            channel.pipeline().addLast(new IdleClose(peer, limits.settings().idleTimeout()));
                            // On the event loop: the handler hands what may block to the io group itself.
                            channel.pipeline().addLast("requests", handlers.apply(inFlight, io));
                        }
                    })
                    .bind(address).sync().channel();
            return new DataServer(boss, workers, io, channel, connections, inFlight);
        }
        catch (InterruptedException | RuntimeException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            io.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    /** Whether it is stopping: taking no new requests, finishing those in progress. */
    boolean draining() {
        return inFlight.draining();
    }

    int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /**
     * Stops accepting connections, lets requests in progress finish (a write in progress is committed,
     * not cut off; clients move their next requests to other workers), then closes.
     */
    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        if (!inFlight.drain(DRAIN_TIMEOUT)) {
            log.warn("Data listener stopping: {} requests still running after {}; their connections are closed now (clients retry reads; writes fail)",
                    inFlight.running(), DRAIN_TIMEOUT);
        }
        // A finished request's last answer (a write's OK, a read's END) can still be queued on its event loop once the
        // request counts as done: closing now would drop it, and the client would take a committed write for a failed one.
        // An empty write queued behind it completes once everything before it is out; then the connection closes.
        connections.forEach(connection -> connection.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE));
        if (!connections.newCloseFuture().awaitUninterruptibly(5, TimeUnit.SECONDS)) {
            connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        // Request handlers hand work to io, which hands its answers back to the event loops: io stops first.
        io.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * Hands a connection to TLS or plaintext by its first byte, as the {@link FirstByteSniffer} decides:
     * a listener that accepts both serves each on the same port.
     */
    private static final class FirstBytes extends ChannelInboundHandlerAdapter {
        private final FirstByteSniffer sniffer;
        private final SslContext context;
        private final String peer;
        private ScheduledFuture<?> silence;

        FirstBytes(FirstByteSniffer sniffer, SslContext context, String peer) {
            this.sniffer = sniffer;
            this.context = context;
            this.peer = peer;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            silence = ctx.executor().schedule(() -> {
                sniffer.silent(peer);
                ctx.close();
            }, sniffer.timeout().toMillis(), TimeUnit.MILLISECONDS);
            ctx.fireChannelActive();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (silence != null) {
                silence.cancel(false);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            if (!(message instanceof ByteBuf bytes)) {
                ctx.fireChannelRead(message);
                return;
            }
            if (!bytes.isReadable()) {
                bytes.release();
                return;
            }
            switch (sniffer.route(bytes.getByte(bytes.readerIndex()), peer)) {
                case REFUSE_TLS -> {
                    bytes.release();
                    ctx.writeAndFlush(Unpooled.wrappedBuffer(TransferProtocol.PLAINTEXT_ANSWER)).addListener(ChannelFutureListener.CLOSE);
                    return;
                }
                case TLS -> {
                    SslHandler ssl = context.newHandler(ctx.alloc());
                    ssl.setHandshakeTimeoutMillis(sniffer.timeout().toMillis());
                    ssl.handshakeFuture().addListener(future -> sniffer.handshakeDone(peer, ssl.engine(), future.isSuccess() ? null : future.cause()));
                    ctx.pipeline().addAfter(ctx.name(), "tls", ssl);
                }
                case PLAINTEXT -> {
                    // counted once the preface is seen
                }
            }
            ctx.fireChannelRead(message);
            ctx.pipeline().remove(this);
        }
    }

    /** Closes a connection that neither completed a request frame nor sent anything for the idle timeout. */
    private static final class IdleClose extends ChannelInboundHandlerAdapter {
        private final String peer;
        private final Duration timeout;

        IdleClose(String peer, Duration timeout) {
            this.peer = peer;
            this.timeout = timeout;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext context, Object event) {
            if (event instanceof IdleStateEvent) {
                log.debug("Data listener ({}): no whole request and nothing sent for {} ({}), closed", peer, timeout, CachetKeys.NETWORK_IDLE_TIMEOUT.name());
                context.close();
                return;
            }
            context.fireUserEventTriggered(event);
        }
    }

    /** Checks that a connection starts with the protocol preface (after the TLS handshake, if any). */
    private static final class PrefaceCheck extends ByteToMessageDecoder {
        private final String peer;
        private final ConnectionCounters.Listener counters;
        private final FirstByteSniffer sniffer;

        PrefaceCheck(String peer, ConnectionCounters.Listener counters, FirstByteSniffer sniffer) {
            this.peer = peer;
            this.counters = counters;
            this.sniffer = sniffer;
        }

        @Override
        protected void decode(ChannelHandlerContext context, ByteBuf in, List<Object> out) {
            boolean tls = context.pipeline().get(SslHandler.class) != null;
            if (in.readableBytes() < TransferProtocol.PREFACE_LENGTH) {
                return;
            }
            if (!TransferProtocol.isPreface(in)) {
                counters.refused();
                log.warn("Data listener ({}): the connection does not start with the Cachet preface, closed", peer);
                in.skipBytes(in.readableBytes());
                context.close();
                return;
            }
            short version = in.getShort(in.readerIndex() + TransferProtocol.MAGIC.length);
            in.skipBytes(TransferProtocol.PREFACE_LENGTH);
            if (version != TransferProtocol.FRAMING_VERSION) {
                log.warn("Data listener ({}): framing version {} is not supported (this worker speaks {}), closed", peer, version, TransferProtocol.FRAMING_VERSION);
                context.close();
                return;
            }
            if (!tls) {
                sniffer.plaintextAccepted();
            }
            context.pipeline().remove(this);
        }
    }

}
