package io.cachet.transfer;

import io.cachet.routing.WorkerAddress;
import io.cachet.rpc.ErrorCode;
import io.cachet.tls.HandshakeFailures;
import io.cachet.tls.TlsContexts;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One client connection to a worker's data port, used by one request at a time. The socket is read
 * ahead of the caller until a few pages are queued, then reading pauses until the caller catches up:
 * that is the back-pressure for streaming reads.
 */
public final class DataConnection implements AutoCloseable {
    private static final long PAUSE_ABOVE_BYTES = 8 << 20;
    private static final long RESUME_BELOW_BYTES = 2 << 20;

    /** A received frame; the caller releases {@code content}. */
    public record Frame(FrameType type, ByteBuf content) {}

    private record Failure(Throwable cause) {}

    private static final Object CLOSED = new Object();

    private final Channel channel;
    private final LinkedBlockingQueue<Object> inbox;
    private final Object writable;
    private final AtomicLong queuedBytes;
    private final WorkerAddress worker;
    private final Optional<TlsContexts> tls;
    private final Duration handshakeTimeout;
    private boolean answered;
    private volatile long idleSinceNanos;
    private boolean broken;

    private DataConnection(Channel channel, LinkedBlockingQueue<Object> inbox, Object writable, AtomicLong queuedBytes, WorkerAddress worker, Optional<TlsContexts> tls,
            Duration handshakeTimeout) {
        this.channel = channel;
        this.inbox = inbox;
        this.writable = writable;
        this.queuedBytes = queuedBytes;
        this.worker = worker;
        this.tls = tls;
        this.handshakeTimeout = handshakeTimeout;
    }

    /** Connects, completes the TLS handshake when {@code tls} is given, and sends the preface. */
    public static DataConnection open(Bootstrap base, WorkerAddress worker, Optional<TlsContexts> tls, Duration timeout) throws IOException {
        LinkedBlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
        Object writable = new Object();
        AtomicLong queuedBytes = new AtomicLong();
        InetSocketAddress address = new InetSocketAddress(worker.host(), worker.dataPort());
        Duration handshakeTimeout = tls.map(contexts -> contexts.settings().handshakeTimeout()).orElse(timeout);
        // Held here, not looked up in the pipeline: a server that closes at once empties the pipeline before we look.
        AtomicReference<SslHandler> sslHandler = new AtomicReference<>();
        Bootstrap bootstrap = base.clone()
                .option(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(4096, 64 << 10, 1 << 20))
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, TransferProtocol.WATER_MARK)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout.toMillis())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        if (tls.isPresent()) {
                            SslHandler handler = tls.get().dataClient().newHandler(channel.alloc(), worker.host(), worker.dataPort());
                            handler.setHandshakeTimeoutMillis(handshakeTimeout.toMillis());
                            sslHandler.set(handler);
                            channel.pipeline().addLast(handler);
                        }
                        channel.pipeline().addLast(TransferProtocol.responseDecoder(), new Inbox(inbox, writable, queuedBytes));
                    }
                });
        ChannelFuture connect = bootstrap.connect(address);
        if (!connect.awaitUninterruptibly(timeout.toMillis() + 1000) || !connect.isSuccess()) {
            connect.channel().close();
            throw new IOException("Cannot connect to the data port of worker %s at %s: %s".formatted(
                    worker.id(), worker.dataEndpoint(), connect.cause() == null ? "timed out" : connect.cause().getMessage()), connect.cause());
        }
        Channel channel = connect.channel();
        if (tls.isPresent()) {
            Future<Channel> handshake = sslHandler.get().handshakeFuture();
            if (!handshake.awaitUninterruptibly(handshakeTimeout.toMillis() + 1000) || !handshake.isSuccess()) {
                channel.close();
                throw HandshakeFailures.explainClientFailure(handshake.cause() == null ? new IOException("handshake timed out") : handshake.cause(), address, tls.get());
            }
        }
        channel.writeAndFlush(TransferProtocol.preface(channel.alloc()));
        return new DataConnection(channel, inbox, writable, queuedBytes, worker, tls, handshakeTimeout);
    }

    public WorkerAddress worker() {
        return worker;
    }

    /** Sends a frame, waiting while the socket's outbound buffer is full. */
    public void send(ByteBuf frame) throws IOException {
        if (!channel.isActive()) {
            ReferenceCountUtil.release(frame);
            broken = true;
            throw closedBeforeAnswer(null);
        }
        channel.writeAndFlush(frame);
        synchronized (writable) {
            while (!channel.isWritable() && channel.isActive()) {
                try {
                    // Woken by channelWritabilityChanged or channelInactive; the timeout only guards a lost wake-up.
                    writable.wait(1000);
                }
                catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while writing to " + worker.dataEndpoint());
                }
            }
        }
    }

    /** The next frame from the worker; the caller releases its content. */
    public Frame next(Duration timeout) throws IOException {
        Object item;
        try {
            item = inbox.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            broken = true;
            throw new InterruptedIOException("interrupted while reading from " + worker.dataEndpoint());
        }
        if (item == null) {
            broken = true;
            throw new IOException("Worker %s at %s sent nothing for %s".formatted(worker.id(), worker.dataEndpoint(), timeout));
        }
        if (item instanceof Frame frame) {
            answered = true;
            if (queuedBytes.addAndGet(-frame.content().readableBytes()) < RESUME_BELOW_BYTES && !channel.config().isAutoRead()) {
                channel.config().setAutoRead(true);
            }
            return frame;
        }
        broken = true;
        Throwable cause = item instanceof Failure failure ? failure.cause() : null;
        throw closedBeforeAnswer(cause);
    }

    /**
     * The next frame, which must be one of {@code accepted}; an ERROR frame becomes a {@link RemoteError}
     * carrying the worker's file-system error, any other frame an error naming {@code path}.
     */
    public Frame expect(Duration timeout, String path, FrameType... accepted) throws IOException {
        return expect(timeout, path, false, accepted);
    }

    /**
     * {@link #expect} for a request answered by one frame (STATUS, WRITE_OPEN): a file-system error is then the
     * whole answer, and the connection stays fit for the next request, so a missing file costs no new
     * connection. After a protocol error the worker closes it.
     */
    public Frame expectOne(Duration timeout, String path, FrameType accepted) throws IOException {
        return expect(timeout, path, true, accepted);
    }

    private Frame expect(Duration timeout, String path, boolean errorIsTheAnswer, FrameType... accepted) throws IOException {
        Frame frame = next(timeout);
        for (FrameType type : accepted) {
            if (frame.type() == type) {
                return frame;
            }
        }
        try {
            if (frame.type() == FrameType.ERROR) {
                ErrorCode code;
                String message;
                try {
                    code = ErrorCode.fromWire(frame.content().readByte());
                    message = TransferProtocol.readString(frame.content());
                }
                catch (IndexOutOfBoundsException | IllegalArgumentException e) {
                    broken = true;
                    throw new IOException("Worker %s sent a malformed ERROR frame for %s: %s".formatted(worker.id(), path, e.getMessage()), e);
                }
                broken |= !errorIsTheAnswer || code == ErrorCode.PROTOCOL;
                throw new RemoteError(code.toException(message));
            }
            broken = true;
            throw new IOException("Worker %s sent %s where %s was expected for %s".formatted(worker.id(), frame.type(), Arrays.toString(accepted), path));
        }
        finally {
            frame.content().release();
        }
    }

    private IOException closedBeforeAnswer(Throwable cause) {
        InetSocketAddress address = new InetSocketAddress(worker.host(), worker.dataPort());
        if (tls.isEmpty() && !answered) {
            // A TLS-only listener drops a plaintext client without a word: find out whether that is what happened.
            return HandshakeFailures.explainPlaintextClientRefused(address, handshakeTimeout, cause);
        }
        if (tls.isPresent() && !answered && cause != null) {
            // With TLS 1.3 a server judges the client's certificate after the client's handshake is done: its verdict arrives here.
            return HandshakeFailures.explainClientFailure(cause, address, tls.get());
        }
        String reason = cause == null ? "by the worker" : cause.getMessage();
        if (tls.isPresent() && !answered) {
            reason += " before answering; a worker that refuses this client's certificate (mutual TLS, revocation) closes the connection this way: see the worker's log";
        }
        return new IOException("Connection to worker %s at %s closed: %s".formatted(worker.id(), worker.dataEndpoint(), reason), cause);
    }

    /** When the pool last took the connection back. */
    long idleSinceNanos() {
        return idleSinceNanos;
    }

    void idleSince(long nanos) {
        idleSinceNanos = nanos;
    }

    /** Marks the connection unfit for reuse, e.g. when a response was abandoned half-read. */
    public void markBroken() {
        broken = true;
    }

    public boolean isReusable() {
        return !broken && channel.isActive() && inbox.isEmpty();
    }

    @Override
    public void close() {
        // Frames may still arrive until the channel is inactive: release what is queued now, and again once it closed.
        channel.close().addListener(closed -> releaseQueued());
        releaseQueued();
    }

    private void releaseQueued() {
        Object item;
        while ((item = inbox.poll()) != null) {
            if (item instanceof Frame frame) {
                frame.content().release();
            }
        }
    }

    private static final class Inbox extends ChannelInboundHandlerAdapter {
        private final LinkedBlockingQueue<Object> inbox;
        private final Object writable;
        private final AtomicLong queuedBytes;

        Inbox(LinkedBlockingQueue<Object> inbox, Object writable, AtomicLong queuedBytes) {
            this.inbox = inbox;
            this.writable = writable;
            this.queuedBytes = queuedBytes;
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext context) {
            synchronized (writable) {
                writable.notifyAll();
            }
            context.fireChannelWritabilityChanged();
        }

        @Override
        public void channelRead(ChannelHandlerContext context, Object message) {
            ByteBuf frame = (ByteBuf) message;
            try {
                Frame received = new Frame(FrameType.fromWire(frame.readByte()), frame);
                if (queuedBytes.addAndGet(frame.readableBytes()) > PAUSE_ABOVE_BYTES) {
                    context.channel().config().setAutoRead(false);
                }
                inbox.add(received);
            }
            catch (IllegalArgumentException e) {
                frame.release();
                inbox.add(new Failure(e));
                context.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            inbox.add(new Failure(cause));
            context.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext context) {
            inbox.add(CLOSED);
            synchronized (writable) {
                writable.notifyAll();
            }
        }
    }
}
