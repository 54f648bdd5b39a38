package io.cachet.worker;

import io.cachet.client.FileStatus;
import io.cachet.conf.FileTransferMode;
import io.cachet.rpc.ErrorCode;
import io.cachet.transfer.FrameType;
import io.cachet.transfer.TransferProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.FileRegion;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Serves one data connection: file status, range reads as a stream of page-sized DATA frames (written
 * only while the socket can take them), and writes into a temporary file that is renamed into place on
 * WRITE_CLOSE and deleted if the connection ends first.
 *
 * <p>It runs on the connection's event loop. On a worker whose file status is local, a status, and a
 * small read whose pages are all cached, are answered there at once: they then cost no hop to another
 * thread and back. Everything that may block (the under-file-system, writes, pages to fill, large pages to map)
 * runs on one executor of the blocking group, picked per connection, so a connection's requests stay
 * in order; the fields marked so are only touched there.
 */
final class DataRequestHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(DataRequestHandler.class);
    /** Cached bytes up to this size are copied into a pooled buffer rather than mapped; reads up to this size may be answered on the event loop. */
    private static final int SMALL_READ = 64 << 10;
    /**
     * How long an under-file-system file stays open after a read that did not reach its end, for the
     * client's next window. Not longer: an HDFS stream left open mid-block holds a DataNode thread.
     */
    private static final long OPEN_FILE_IDLE_SECONDS = 5;

    private final UnderFileSystem ufs;
    private final PageCache cache;
    private final PageFiller filler;
    private final FileTransferMode transfer;
    private final WorkerCounters counters;
    private final InFlightRequests inFlight;
    private final EventExecutorGroup blockingGroup;
    private EventExecutor blocking;

    // Event loop only: work handed to the blocking executor and not yet back, and whether a request was in progress there after the last of it.
    private int handedOff;
    private boolean blockingBusy;
    private boolean busy;
    private boolean closed;

    // Blocking executor only.
    private final OpenVersions files;
    private ReadTransfer reading;
    private PendingWrite writing;
    private long writeStartNanos;
    private long readsStarted;
    private ScheduledFuture<?> idleClose;

    DataRequestHandler(UnderFileSystem ufs, PageCache cache, PageFiller filler, FileTransferMode transfer, WorkerCounters counters, InFlightRequests inFlight,
            EventExecutorGroup blockingGroup) {
        this.ufs = ufs;
        this.cache = cache;
        this.filler = filler;
        this.transfer = transfer;
        this.counters = counters;
        this.inFlight = inFlight;
        this.blockingGroup = blockingGroup;
        this.files = new OpenVersions(ufs);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        blocking = blockingGroup.next();
    }

    /** Counts this connection's request in the server's in-flight total, which a draining server waits for. */
    private void busy(boolean now) {
        if (closed && now) {
            // Work handed off before the connection closed, coming back after: nothing is in flight for it any more.
            return;
        }
        if (busy != now) {
            busy = now;
            if (now) {
                inFlight.started();
            }
            else {
                inFlight.ended();
            }
        }
    }

    /**
     * Runs {@code work} on the blocking executor, then notes on the event loop whether a request is still in
     * progress there. False when the executor no longer takes work (the worker is stopping): the connection
     * is closed, and the caller releases what it meant to hand over.
     */
    private boolean onBlocking(ChannelHandlerContext context, Runnable work) {
        try {
            blocking.execute(() -> {
                try {
                    work.run();
                }
                catch (RuntimeException | Error e) {
                    // Out of direct memory, a library's runtime error: end the request and the connection, as Netty would have.
                    log.warn("Data connection {}: a request failed unexpectedly; closing that connection", context.channel().remoteAddress(), e);
                    releaseNow("the request failed: " + e);
                    onLoop(context, context::close);
                }
                finally {
                    boolean inProgress = reading != null || writing != null;
                    onLoop(context, () -> {
                        handedOff--;
                        blockingBusy = inProgress;
                        busy(handedOff > 0 || blockingBusy);
                    });
                }
            });
        }
        catch (RejectedExecutionException e) {
            // The worker is stopping: the request cannot run, and the client tries again elsewhere.
            context.close();
            return false;
        }
        handedOff++;
        busy(true);
        return true;
    }

    private static void onLoop(ChannelHandlerContext context, Runnable task) {
        if (context.executor().inEventLoop()) {
            task.run();
            return;
        }
        try {
            context.executor().execute(task);
        }
        catch (RejectedExecutionException e) {
            // The event loop stopped with the worker: its connections, and their counts, are gone.
        }
    }

    /** Lets go of the blocking side's state, there: the file kept open, its idle timer, a write not committed. */
    private void releaseBlockingState(String reason) {
        try {
            blocking.execute(() -> releaseNow(reason));
        }
        catch (RejectedExecutionException e) {
            // The worker is stopping: a task still running there may hold the state, so let go once the executor is done.
            blocking.terminationFuture().addListener(done -> releaseNow(reason));
        }
    }

    private void releaseNow(String reason) {
        reading = null;
        if (idleClose != null) {
            idleClose.cancel(false);
            idleClose = null;
        }
        files.close();
        abortWrite(reason);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext context) {
        closed = true;
        releaseBlockingState("the connection closed before the file was committed");
        busy(false);
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
        ByteBuf frame = (ByteBuf) message;
        // In flight from here, so a worker that starts draining now waits for this request, even one answered at once.
        busy(true);
        try {
            FrameType type = FrameType.fromWire(frame.readByte());
            if ((type == FrameType.READ || type == FrameType.STATUS || type == FrameType.WRITE_OPEN) && inFlight.draining()) {
                // Stopping: no answer, so the client tries again, on this worker's successor or after its restart.
                context.close();
                return;
            }
            switch (type) {
                case READ -> {
                    String path = TransferProtocol.readString(frame);
                    long offset = frame.readLong();
                    long length = frame.readLong();
                    if (handedOff > 0 || blockingBusy || !answerFromCache(context, path, offset, length)) {
                        onBlocking(context, () -> startRead(context, path, offset, length));
                    }
                }
                case STATUS -> {
                    String path = TransferProtocol.readString(frame);
                    if (handedOff > 0 || blockingBusy || !ufs.localStatus()) {
                        onBlocking(context, () -> statusWhenIdle(context, path));
                    }
                    else {
                        // A few local system calls: cheaper here than a hop to the blocking executor and back.
                        answerStatus(context, path);
                    }
                }
                case WRITE_OPEN -> {
                    String path = TransferProtocol.readString(frame);
                    boolean overwrite = frame.readBoolean();
                    boolean createParents = frame.readBoolean();
                    onBlocking(context, () -> openWrite(context, path, overwrite, createParents));
                }
                case WRITE_DATA -> {
                    ByteBuf bytes = frame.retain();
                    boolean taken = onBlocking(context, () -> {
                        try {
                            writeData(context, bytes);
                        }
                        finally {
                            bytes.release();
                        }
                    });
                    if (!taken) {
                        bytes.release();
                    }
                }
                case WRITE_CLOSE -> onBlocking(context, () -> closeWrite(context));
                default -> protocolError(context, "a client does not send " + type + " frames");
            }
        }
        catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            protocolError(context, "malformed frame: " + e.getMessage());
        }
        finally {
            frame.release();
            busy(handedOff > 0 || blockingBusy);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext context) {
        if (context.channel().isWritable() && (handedOff > 0 || blockingBusy)) {
            onBlocking(context, () -> {
                if (reading != null) {
                    sendMore(context);
                }
            });
        }
        context.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        closed = true;
        releaseBlockingState("the connection closed before the file was committed");
        busy(false);
        context.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            // A client never sends more than TransferProtocol.MAX_REQUEST_FRAME; nothing of the frame was buffered.
            protocolError(context, "a frame larger than %d bytes (%s)".formatted(TransferProtocol.MAX_REQUEST_FRAME, cause.getMessage()));
            return;
        }
        log.debug("Data connection {} failed: {}", context.channel().remoteAddress(), cause.toString());
        releaseBlockingState("the connection failed: " + cause.getMessage());
        context.close();
    }

    // ---- status

    private void statusWhenIdle(ChannelHandlerContext context, String path) {
        if (reading != null || writing != null) {
            protocolError(context, "a request is already in progress on this connection");
            return;
        }
        answerStatus(context, path);
    }

    private void answerStatus(ChannelHandlerContext context, String path) {
        try {
            FileStatus status = ufs.status(path);
            context.writeAndFlush(TransferProtocol.fileStatus(context.alloc(), status.path(), status.length(), status.directory(), status.modificationTime()));
        }
        catch (IOException e) {
            sendError(context, e);
        }
    }

    // ---- reads

    /**
     * Answers a small read on the event loop when nothing about it can block: the file's version is a
     * local stat and every page it spans is cached. False, having sent nothing, when it cannot.
     */
    private boolean answerFromCache(ChannelHandlerContext context, String path, long offset, long length) {
        if (!ufs.localStatus() || offset < 0 || length < 0 || length > SMALL_READ) {
            return false;
        }
        long startNanos = System.nanoTime();
        FileVersion file;
        try {
            file = ufs.version(path);
        }
        catch (IOException e) {
            // The blocking path answers with the error.
            return false;
        }
        long end = Math.max(offset, Math.min(file.length(), offset + length));
        int pageSize = cache.pageSize();
        for (long index = offset / pageSize; index * pageSize < end; index++) {
            if (!cache.contains(file.key(), index)) {
                return false;
            }
        }
        List<Object> pages = new ArrayList<>();
        try {
            for (long position = offset; position < end; ) {
                long index = position / pageSize;
                int within = (int) (position - index * pageSize);
                int count = (int) Math.min(end - position, pageSize - within);
                Optional<Object> page = cachedPage(context, file, index, within, count);
                if (page.isEmpty()) {
                    // Evicted since it was looked at.
                    pages.forEach(ReferenceCountUtil::release);
                    return false;
                }
                pages.add(page.get());
                position += count;
            }
        }
        catch (IOException e) {
            pages.forEach(ReferenceCountUtil::release);
            sendError(context, e);
            return true;
        }
        catch (RuntimeException | Error e) {
            pages.forEach(ReferenceCountUtil::release);
            throw e;
        }
        long position = offset;
        for (Object page : pages) {
            int count = page instanceof FileRegion region ? (int) region.count() : ((ByteBuf) page).readableBytes();
            context.write(TransferProtocol.header(context.alloc(), FrameType.DATA, count));
            context.write(page);
            position += count;
        }
        counters.bytesRead.add(position - offset);
        counters.readSeconds.observe((System.nanoTime() - startNanos) / 1e9);
        context.writeAndFlush(TransferProtocol.empty(context.alloc(), FrameType.END));
        return true;
    }

    private void startRead(ChannelHandlerContext context, String path, long offset, long length) {
        if (reading != null || writing != null) {
            protocolError(context, "a request is already in progress on this connection");
            return;
        }
        try {
            if (offset < 0 || length < 0) {
                throw new IOException("Negative offset or length (%d, %d) for %s".formatted(offset, length, path));
            }
            FileVersion file = ufs.version(path);
            long end = Math.max(offset, Math.min(file.length(), offset + length));
            reading = new ReadTransfer(file, offset, end);
            readsStarted++;
            sendMore(context);
        }
        catch (NoSuchFileException | FileNotFoundException e) {
            sendError(context, new FileNotFoundException("File " + path + " does not exist"));
        }
        catch (IOException e) {
            sendError(context, e);
        }
    }

    private void sendMore(ChannelHandlerContext context) {
        ReadTransfer read = reading;
        try {
            while (read.position < read.end && context.channel().isWritable()) {
                long pageIndex = read.position / cache.pageSize();
                long pageStart = pageIndex * cache.pageSize();
                int within = (int) (read.position - pageStart);
                int count = (int) Math.min(read.end - read.position, cache.pageSize() - within);
                // The page first: a page that cannot be read must not leave a DATA header without its bytes on the wire.
                Object page = page(context, read, pageIndex, pageStart, within, count);
                context.write(TransferProtocol.header(context.alloc(), FrameType.DATA, count));
                read.position += count;
                counters.bytesRead.add(count);
                if (read.position < read.end) {
                    // Each page leaves as soon as it is ready: the client reads it while the next one is filled from the under-file-system.
                    context.writeAndFlush(page);
                }
                else {
                    // The last one leaves with the END below, in one flush: one write (one TLS record) and one wake-up of the
                    // client for a small read, not two.
                    context.write(page);
                }
            }
            if (read.position >= read.end) {
                reading = null;
                counters.readSeconds.observe((System.nanoTime() - read.startNanos) / 1e9);
                context.write(TransferProtocol.empty(context.alloc(), FrameType.END));
                closeFileWhenDone(read);
            }
            context.flush();
        }
        catch (IOException e) {
            reading = null;
            files.close();
            // Some DATA frames may be out already: the client sees the ERROR in place of the next frame.
            sendError(context, e);
        }
    }

    /** The bytes of one page, from the cache when it has them, else read from the under-file-system and cached. */
    private Object page(ChannelHandlerContext context, ReadTransfer read, long pageIndex, long pageStart, int within, int count) throws IOException {
        Optional<Object> cached = cachedPage(context, read.file, pageIndex, within, count);
        if (cached.isPresent()) {
            return cached.get();
        }
        ByteBuf content = filler.fill(read.file, pageIndex, files);
        try {
            if (within + count > content.readableBytes()) {
                throw new IOException("File " + read.file.path() + " changed while it was read: it is shorter than " + (pageStart + within + count) + " bytes");
            }
            return content.retainedSlice(content.readerIndex() + within, count);
        }
        finally {
            content.release();
        }
    }

    /** {@code count} bytes at {@code within} of a cached page, or empty when the page is not (or no longer) cached. */
    private Optional<Object> cachedPage(ChannelHandlerContext context, FileVersion file, long pageIndex, int within, int count) throws IOException {
        Optional<Path> cached = cache.lookup(file.key(), pageIndex);
        if (cached.isEmpty()) {
            return Optional.empty();
        }
        try {
            FileChannel channel = FileChannel.open(cached.get(), StandardOpenOption.READ);
            long size = channel.size();
            if (size < (long) within + count) {
                // Damaged: a crash after the page file was renamed into place but before its bytes reached the disk
                // leaves it short or empty. Not an error for the reader: the page is read again and stored anew.
                channel.close();
                cache.discard(file.key(), pageIndex);
                log.warn("Cached page {} of {} had {} bytes, fewer than the {} asked for: dropped, read again from the under-file-system",
                        pageIndex, file.path(), size, (long) within + count);
                return Optional.empty();
            }
            if (transfer == FileTransferMode.TRANSFER) {
                // Zero copy: the kernel sends the page file's bytes straight to the socket.
                return Optional.of(new DefaultFileRegion(channel, within, count));
            }
            try (channel) {
                if (count <= SMALL_READ) {
                    // A mapping costs more than the copy here (mmap, page faults, and munmap when the buffer is collected).
                    return Optional.of(readSlice(context, channel, within, count, file.path()));
                }
                return Optional.of(Unpooled.wrappedBuffer(channel.map(FileChannel.MapMode.READ_ONLY, within, count)));
            }
        }
        catch (NoSuchFileException e) {
            // Evicted between lookup and open.
            return Optional.empty();
        }
    }

    /** Closes the file a read left open: now when the read reached the file's end, else unless another read starts soon. */
    private void closeFileWhenDone(ReadTransfer read) {
        if (read.end >= read.file.length()) {
            files.close();
            return;
        }
        long readNumber = readsStarted;
        if (idleClose != null) {
            idleClose.cancel(false);
        }
        idleClose = blocking.schedule(() -> {
            if (readsStarted == readNumber && reading == null) {
                files.close();
            }
        }, OPEN_FILE_IDLE_SECONDS, TimeUnit.SECONDS);
    }

    private static ByteBuf readSlice(ChannelHandlerContext context, FileChannel channel, int within, int count, String path) throws IOException {
        ByteBuf slice = context.alloc().directBuffer(count);
        try {
            while (slice.isWritable()) {
                if (slice.writeBytes(channel, within + slice.writerIndex(), slice.writableBytes()) < 0) {
                    throw new IOException("The cached page of " + path + " is shorter than it should be");
                }
            }
            return slice;
        }
        catch (IOException | RuntimeException e) {
            slice.release();
            throw e;
        }
    }

    // ---- writes

    private void openWrite(ChannelHandlerContext context, String path, boolean overwrite, boolean createParents) {
        if (reading != null || writing != null) {
            protocolError(context, "a request is already in progress on this connection");
            return;
        }
        try {
            writing = ufs.create(path, overwrite, createParents);
            writeStartNanos = System.nanoTime();
            context.writeAndFlush(TransferProtocol.empty(context.alloc(), FrameType.OK));
        }
        catch (IOException e) {
            sendError(context, e);
        }
    }

    private void writeData(ChannelHandlerContext context, ByteBuf bytes) {
        if (writing == null) {
            protocolError(context, "WRITE_DATA without WRITE_OPEN");
            return;
        }
        try {
            int count = bytes.readableBytes();
            for (ByteBuffer chunk : bytes.nioBuffers()) {
                writing.write(chunk);
            }
            bytes.skipBytes(count);
            counters.bytesWritten.add(count);
        }
        catch (IOException e) {
            abortWrite("writing failed: " + e.getMessage());
            sendError(context, e);
        }
    }

    private void closeWrite(ChannelHandlerContext context) {
        PendingWrite write = writing;
        if (write == null) {
            protocolError(context, "WRITE_CLOSE without WRITE_OPEN");
            return;
        }
        writing = null;
        try (write) {
            write.commit();
            counters.writeSeconds.observe((System.nanoTime() - writeStartNanos) / 1e9);
            context.writeAndFlush(TransferProtocol.empty(context.alloc(), FrameType.OK));
        }
        catch (IOException e) {
            // close() deletes the temporary file of a write that did not commit
            sendError(context, e);
        }
    }

    private void abortWrite(String reason) {
        PendingWrite write = writing;
        writing = null;
        if (write != null) {
            log.info("Write of {} abandoned ({}); the previous file, if any, is unchanged", write.path(), reason);
            write.close();
        }
    }

    private void sendError(ChannelHandlerContext context, IOException error) {
        context.writeAndFlush(TransferProtocol.error(context.alloc(), ErrorCode.of(error), ufs.clientMessage(error)));
    }

    /** Called on either thread: the blocking side's state is let go of there. */
    private void protocolError(ChannelHandlerContext context, String problem) {
        log.warn("Data connection {}: {}; closing that connection", context.channel().remoteAddress(), problem);
        releaseBlockingState(problem);
        context.writeAndFlush(TransferProtocol.error(context.alloc(), ErrorCode.PROTOCOL, problem)).addListener(ChannelFutureListener.CLOSE);
    }

    private static final class ReadTransfer {
        final FileVersion file;
        final long end;
        final long startNanos = System.nanoTime();
        long position;

        ReadTransfer(FileVersion file, long position, long end) {
            this.file = file;
            this.position = position;
            this.end = end;
        }
    }
}
