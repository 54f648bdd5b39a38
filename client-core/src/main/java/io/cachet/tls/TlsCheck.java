package io.cachet.tls;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static java.util.Objects.requireNonNull;

/**
 * Connects to a TLS endpoint with a node's settings, completes one handshake on the data plane's
 * Netty, and reports what was negotiated; on failure, throws the diagnosis. Backs {@code cachet tls check}.
 */
public final class TlsCheck {
    /** What a successful handshake negotiated. */
    public record Report(String protocol, String cipherSuite, String provider, List<X509Certificate> peerChain) {
        public Report {
            requireNonNull(protocol, "protocol is null");
            requireNonNull(cipherSuite, "cipherSuite is null");
            requireNonNull(provider, "provider is null");
            peerChain = List.copyOf(peerChain);
        }
    }

    private TlsCheck() {}

    public static Report run(TlsContexts contexts, InetSocketAddress server) throws TlsHandshakeException {
        long timeoutMillis = contexts.settings().handshakeTimeout().toMillis();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            SslContext context = contexts.dataClient();
            // Held here, not looked up in the pipeline: a server that closes at once empties the pipeline before we look.
            AtomicReference<SslHandler> sslHandler = new AtomicReference<>();
            Bootstrap bootstrap = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeoutMillis)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            SslHandler handler = context.newHandler(channel.alloc(), server.getHostString(), server.getPort());
                            handler.setHandshakeTimeoutMillis(timeoutMillis);
                            sslHandler.set(handler);
                            // The handshake future carries any failure; this keeps Netty from logging it again.
                            channel.pipeline().addLast(handler, new ChannelInboundHandlerAdapter() {
                                @Override
                                public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
                                    context.close();
                                }
                            });
                        }
                    });
            ChannelFuture connect = bootstrap.connect(server).awaitUninterruptibly();
            if (!connect.isSuccess()) {
                throw new TlsHandshakeException(new TlsDiagnosis(
                        "Cannot connect to %s:%d: %s".formatted(server.getHostString(), server.getPort(), connect.cause().getMessage()),
                        "check the host and port, and that the server is running"), connect.cause());
            }
            Channel channel = connect.channel();
            SslHandler ssl = sslHandler.get();
            Future<Channel> handshake = ssl.handshakeFuture().awaitUninterruptibly();
            try {
                if (!handshake.isSuccess()) {
                    throw HandshakeFailures.explainClientFailure(handshake.cause(), server, contexts);
                }
                SSLSession session = ssl.engine().getSession();
                List<X509Certificate> chain = new ArrayList<>();
                for (Certificate certificate : session.getPeerCertificates()) {
                    chain.add((X509Certificate) certificate);
                }
                return new Report(session.getProtocol(), session.getCipherSuite(), contexts.dataPlaneProvider().name(), chain);
            }
            catch (SSLPeerUnverifiedException e) {
                throw HandshakeFailures.explainClientFailure(e, server, contexts);
            }
            finally {
                channel.close().awaitUninterruptibly();
            }
        }
        finally {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        }
    }
}
