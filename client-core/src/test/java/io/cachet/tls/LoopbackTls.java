package io.cachet.tls;

import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Real TLS handshakes over loopback sockets with either Netty copy on either side: the data plane's
 * plain Netty, or the shaded Netty inside grpc-netty-shaded. The server records each handshake's
 * outcome so tests can assert what the server saw.
 */
public final class LoopbackTls {
    public enum Copy {
        DATA_PLANE,
        GRPC,
    }

    /** What one side saw of one handshake. */
    public record Outcome(SSLSession session, Throwable failure) {
        public boolean succeeded() {
            return failure == null;
        }

        public String protocol() {
            return session.getProtocol();
        }

        public Optional<X509Certificate> peerCertificate() {
            try {
                Certificate[] chain = session.getPeerCertificates();
                return Optional.of((X509Certificate) chain[0]);
            }
            catch (SSLPeerUnverifiedException e) {
                return Optional.empty();
            }
        }
    }

    public interface Server extends AutoCloseable {
        int port();

        /** The next handshake the server completed or failed. */
        Outcome nextHandshake() throws InterruptedException;

        @Override
        void close();
    }

    private static final byte[] PING = {'p', 'i', 'n', 'g'};

    private LoopbackTls() {}

    public static Server server(Copy copy, TlsContexts contexts) throws InterruptedException {
        // As the servers do: the context of the material in service, asked for per connection.
        return copy == Copy.DATA_PLANE ? new DataPlaneServer(contexts::dataServer) : new GrpcNettyServer(() -> contexts.grpcServer(false));
    }

    /** Connects to 127.0.0.1 by the given host name (for SNI and hostname verification) and completes a handshake. */
    public static Outcome connect(Copy copy, TlsContexts contexts, String host, int port) throws InterruptedException {
        Outcome outcome = copy == Copy.DATA_PLANE ? dataPlaneConnect(contexts.dataClient(), host, port) : grpcNettyConnect(contexts.grpcClient(), host, port);
        if (outcome.succeeded()) {
            return outcome;
        }
        return new Outcome(null, HandshakeFailures.explainClientFailure(outcome.failure(), new InetSocketAddress(host, port), contexts));
    }

    /** A data-plane client connection that stays open: each round trip sends a ping and waits for the echo. */
    public static final class OpenConnection implements AutoCloseable {
        private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        private final LinkedBlockingQueue<Object> replies = new LinkedBlockingQueue<>();
        private final Channel channel;
        private final SslHandler ssl;

        OpenConnection(SslContext context, String host, int port) throws Exception {
            SslHandler[] handler = new SslHandler[1];
            channel = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            handler[0] = context.newHandler(channel.alloc(), host, port);
                            channel.pipeline().addLast(handler[0], new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext context, Object message) {
                                    ReferenceCountUtil.release(message);
                                    replies.add("echo");
                                }

                                @Override
                                public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
                                    replies.add(cause);
                                }
                            });
                        }
                    })
                    .connect(new InetSocketAddress("127.0.0.1", port)).sync().channel();
            ssl = handler[0];
            ssl.handshakeFuture().sync();
        }

        public X509Certificate peerCertificate() throws SSLPeerUnverifiedException {
            return (X509Certificate) ssl.engine().getSession().getPeerCertificates()[0];
        }

        /** Sends a ping and waits for its echo; true when the echo came back. */
        public boolean roundTrip() throws InterruptedException {
            channel.writeAndFlush(Unpooled.wrappedBuffer(PING));
            return "echo".equals(replies.poll(20, TimeUnit.SECONDS));
        }

        @Override
        public void close() {
            channel.close().syncUninterruptibly();
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        }
    }

    /** Opens a data-plane connection to 127.0.0.1 by {@code host} and keeps it open. */
    public static OpenConnection open(TlsContexts contexts, String host, int port) throws Exception {
        return new OpenConnection(contexts.dataClient(), host, port);
    }

    private static Outcome dataPlaneConnect(SslContext context, String host, int port) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            CompletableFuture<Outcome> result = new CompletableFuture<>();
            Channel channel = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            SslHandler handler = context.newHandler(channel.alloc(), host, port);
                            // A round trip after the handshake: with TLS 1.3 the server judges the client's certificate
                            // after the client has finished, so only an echo proves the server accepted it.
                            handler.handshakeFuture().addListener(future -> {
                                if (future.isSuccess()) {
                                    channel.writeAndFlush(Unpooled.wrappedBuffer(PING));
                                }
                                else {
                                    result.complete(new Outcome(null, future.cause()));
                                }
                            });
                            channel.pipeline().addLast(handler, new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext context, Object message) {
                                    ReferenceCountUtil.release(message);
                                    result.complete(new Outcome(handler.engine().getSession(), null));
                                }

                                @Override
                                public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
                                    result.complete(new Outcome(null, cause));
                                }

                                @Override
                                public void channelInactive(ChannelHandlerContext context) {
                                    result.complete(new Outcome(null, new ClosedChannelException()));
                                }
                            });
                        }
                    })
                    .connect(new InetSocketAddress("127.0.0.1", port)).sync().channel();
            try {
                return result.get(20, TimeUnit.SECONDS);
            }
            catch (Exception e) {
                return new Outcome(null, e);
            }
            finally {
                channel.close().sync();
            }
        }
        finally {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        }
    }

    private static Outcome grpcNettyConnect(io.grpc.netty.shaded.io.netty.handler.ssl.SslContext context, String host, int port) throws InterruptedException {
        io.grpc.netty.shaded.io.netty.channel.EventLoopGroup group = new NioEventLoopGroup(1);
        try {
            CompletableFuture<Outcome> result = new CompletableFuture<>();
            io.grpc.netty.shaded.io.netty.channel.Channel channel = new io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap()
                    .group(group)
                    .channel(io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel.class)
                    .handler(new io.grpc.netty.shaded.io.netty.channel.ChannelInitializer<io.grpc.netty.shaded.io.netty.channel.socket.SocketChannel>() {
                        @Override
                        protected void initChannel(io.grpc.netty.shaded.io.netty.channel.socket.SocketChannel channel) {
                            io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler handler = context.newHandler(channel.alloc(), host, port);
                            // A round trip after the handshake: with TLS 1.3 the server judges the client's certificate
                            // after the client has finished, so only an echo proves the server accepted it.
                            handler.handshakeFuture().addListener(future -> {
                                if (future.isSuccess()) {
                                    channel.writeAndFlush(io.grpc.netty.shaded.io.netty.buffer.Unpooled.wrappedBuffer(PING));
                                }
                                else {
                                    result.complete(new Outcome(null, future.cause()));
                                }
                            });
                            channel.pipeline().addLast(handler, new io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext context, Object message) {
                                    io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil.release(message);
                                    result.complete(new Outcome(handler.engine().getSession(), null));
                                }

                                @Override
                                public void exceptionCaught(io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext context, Throwable cause) {
                                    result.complete(new Outcome(null, cause));
                                }

                                @Override
                                public void channelInactive(io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext context) {
                                    result.complete(new Outcome(null, new ClosedChannelException()));
                                }
                            });
                        }
                    })
                    .connect(new InetSocketAddress("127.0.0.1", port)).sync().channel();
            try {
                return result.get(20, TimeUnit.SECONDS);
            }
            catch (Exception e) {
                return new Outcome(null, e);
            }
            finally {
                channel.close().sync();
            }
        }
        finally {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        }
    }

    private static final class DataPlaneServer implements Server {
        private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        private final LinkedBlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
        private final Channel channel;

        DataPlaneServer(Supplier<SslContext> context) throws InterruptedException {
            channel = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            SslHandler handler = context.get().newHandler(channel.alloc());
                            handler.handshakeFuture().addListener(future -> outcomes.add(
                                    future.isSuccess() ? new Outcome(handler.engine().getSession(), null) : new Outcome(null, future.cause())));
                            channel.pipeline().addLast(handler, new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext context, Object message) {
                                    context.writeAndFlush(message);
                                }

                                @Override
                                public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
                                    context.close();
                                }
                            });
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        }

        @Override
        public int port() {
            return ((InetSocketAddress) channel.localAddress()).getPort();
        }

        @Override
        public Outcome nextHandshake() throws InterruptedException {
            return outcomes.poll(20, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            channel.close().syncUninterruptibly();
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        }
    }

    private static final class GrpcNettyServer implements Server {
        private final io.grpc.netty.shaded.io.netty.channel.EventLoopGroup group = new NioEventLoopGroup(1);
        private final LinkedBlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
        private final io.grpc.netty.shaded.io.netty.channel.Channel channel;

        GrpcNettyServer(Supplier<io.grpc.netty.shaded.io.netty.handler.ssl.SslContext> context) throws InterruptedException {
            channel = new io.grpc.netty.shaded.io.netty.bootstrap.ServerBootstrap()
                    .group(group)
                    .channel(io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel.class)
                    .childHandler(new io.grpc.netty.shaded.io.netty.channel.ChannelInitializer<io.grpc.netty.shaded.io.netty.channel.socket.SocketChannel>() {
                        @Override
                        protected void initChannel(io.grpc.netty.shaded.io.netty.channel.socket.SocketChannel channel) {
                            io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler handler = context.get().newHandler(channel.alloc());
                            handler.handshakeFuture().addListener(future -> outcomes.add(
                                    future.isSuccess() ? new Outcome(handler.engine().getSession(), null) : new Outcome(null, future.cause())));
                            channel.pipeline().addLast(handler, new io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext context, Object message) {
                                    context.writeAndFlush(message);
                                }

                                @Override
                                public void exceptionCaught(io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext context, Throwable cause) {
                                    context.close();
                                }
                            });
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        }

        @Override
        public int port() {
            return ((InetSocketAddress) channel.localAddress()).getPort();
        }

        @Override
        public Outcome nextHandshake() throws InterruptedException {
            return outcomes.poll(20, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            channel.close().syncUninterruptibly();
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        }
    }
}
