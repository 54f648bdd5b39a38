package io.cachet.client;

import io.cachet.routing.WorkerAddress;
import io.cachet.transfer.DataConnection;
import io.cachet.transfer.FrameType;
import io.cachet.transfer.RemoteError;
import io.cachet.transfer.TransferProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * Reads a file from the worker that owns it. Sequential reads stream a window of
 * {@code cachet.client.read.ahead} bytes per request; positioned reads are requests of their own
 * and leave the stream's position and window alone.
 */
public final class CachetInputStream extends InputStream {
    private static final long SKIP_WITHIN_WINDOW = 1 << 20;

    private final DataPlane data;
    private final ClientMetrics metrics;
    private final String path;
    private final long length;
    private final long readAhead;
    private long position;
    private DataConnection window;
    private long windowEnd;
    private long windowPosition;
    private ByteBuf current;
    private boolean closed;

    CachetInputStream(DataPlane data, ClientMetrics metrics, String path, long length, long readAhead) {
        this.data = data;
        this.metrics = metrics;
        this.path = path;
        this.length = length;
        this.readAhead = Math.max(readAhead, 64 << 10);
    }

    public String path() {
        return path;
    }

    /** The file's length when it was opened. */
    public long length() {
        return length;
    }

    public long position() {
        return position;
    }

    public void seek(long target) throws IOException {
        checkOpen();
        if (target < 0) {
            throw new EOFException("Cannot seek to a negative offset " + target + " in " + path);
        }
        if (target > length) {
            throw new EOFException("Cannot seek to " + target + " past the end (" + length + ") of " + path);
        }
        if (target >= position && window != null && target < windowEnd && target - position <= SKIP_WITHIN_WINDOW) {
            // A short jump forward inside the window: read past it rather than drop the connection.
            skipBytes(target - position);
            return;
        }
        dropWindow(true);
        position = target;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int read = read(one, 0, 1);
        return read == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int count) throws IOException {
        checkOpen();
        Objects.checkFromIndexSize(offset, count, buffer.length);
        if (count == 0) {
            return 0;
        }
        if (position >= length) {
            return -1;
        }
        int total = 0;
        while (total < count && position < length) {
            if (current == null || !current.isReadable()) {
                if (!nextChunk()) {
                    break;
                }
                continue;
            }
            int n = Math.min(count - total, current.readableBytes());
            current.readBytes(buffer, offset + total, n);
            total += n;
            position += n;
        }
        if (position >= length) {
            // The end: give back the buffer and the connection now, not at close(), which some callers never make.
            finishWindow();
            dropWindow(true);
        }
        metrics.bytesRead.add(total);
        return total == 0 ? -1 : total;
    }

    /** Reads up to {@code count} bytes at {@code offset} without moving the stream; -1 at or past the end. */
    public int read(long offset, byte[] buffer, int bufferOffset, int count) throws IOException {
        checkOpen();
        Objects.checkFromIndexSize(bufferOffset, count, buffer.length);
        if (offset < 0) {
            throw new EOFException("Negative offset " + offset + " in " + path);
        }
        if (offset >= length) {
            return -1;
        }
        if (count == 0) {
            return 0;
        }
        long wanted = Math.min(count, length - offset);
        int read = data.call(path, connection -> {
            connection.send(TransferProtocol.read(ByteBufAllocator.DEFAULT, path, offset, wanted));
            int filled = 0;
            while (true) {
                DataConnection.Frame frame = nextFrame(connection);
                try {
                    if (frame.type() == FrameType.END) {
                        return filled;
                    }
                    int n = frame.content().readableBytes();
                    frame.content().readBytes(buffer, bufferOffset + filled, n);
                    filled += n;
                }
                finally {
                    frame.content().release();
                }
            }
        }, true);
        metrics.bytesRead.add(read);
        metrics.operations.increment();
        return read == 0 ? -1 : read;
    }

    public void readFully(long offset, byte[] buffer, int bufferOffset, int count) throws IOException {
        int done = 0;
        while (done < count) {
            int n = read(offset + done, buffer, bufferOffset + done, count - done);
            if (n < 0) {
                throw new EOFException("End of %s reached after %d of %d bytes at offset %d".formatted(path, done, count, offset));
            }
            done += n;
        }
    }

    @Override
    public int available() throws IOException {
        checkOpen();
        return (int) Math.min(Integer.MAX_VALUE, length - position);
    }

    @Override
    public long skip(long n) throws IOException {
        long target = Math.min(length, position + Math.max(0, n));
        long skipped = target - position;
        seek(target);
        return skipped;
    }

    /** Releases the read-ahead window and its connection; the next sequential read opens a new one. */
    public void unbuffer() {
        dropWindow(true);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            finishWindow();
            dropWindow(true);
        }
    }

    /**
     * A window read to its last byte still has its END frame on the way: take it, so the connection
     * goes back to the pool instead of being closed with a frame in flight.
     */
    private void finishWindow() {
        if (window == null || windowPosition < windowEnd || (current != null && current.isReadable())) {
            return;
        }
        try {
            releaseCurrent();
            DataConnection.Frame frame = nextFrame(window);
            frame.content().release();
            if (frame.type() == FrameType.END) {
                dropWindow(false);
            }
        }
        catch (IOException e) {
            // the connection is dropped below, as it would have been
        }
    }

    private boolean nextChunk() throws IOException {
        releaseCurrent();
        // One budget for the whole chunk: a window that fails again and again on each new owner ends with it.
        RetryPolicy.Attempts attempts = data.attempts();
        DataConnection.Frame frame = null;
        while (frame == null) {
            if (window == null) {
                openWindow(attempts);
            }
            try {
                frame = nextFrame(window);
            }
            catch (RemoteError e) {
                dropWindow(true);
                throw e.error();
            }
            catch (IOException e) {
                // The worker went away mid-window: resume at the current position on the next owner.
                WorkerAddress worker = window.worker();
                dropWindow(true);
                data.workerFailed(attempts, worker, e);
            }
        }
        if (frame.type() == FrameType.END) {
            frame.content().release();
            boolean shortWindow = windowPosition < windowEnd;
            dropWindow(false);
            // The file shrank since it was opened: what the worker has is all there is.
            return !shortWindow;
        }
        current = frame.content();
        windowPosition += current.readableBytes();
        return true;
    }

    private void openWindow(RetryPolicy.Attempts attempts) throws IOException {
        long start = position;
        long span = Math.min(readAhead, length - start);
        window = data.call(path, attempts, connection -> {
            connection.send(TransferProtocol.read(ByteBufAllocator.DEFAULT, path, start, span));
            return connection;
        }, false);
        windowPosition = start;
        windowEnd = start + span;
        metrics.operations.increment();
    }

    private DataConnection.Frame nextFrame(DataConnection connection) throws IOException {
        return connection.expect(data.frameTimeout(), path, FrameType.DATA, FrameType.END);
    }

    private void skipBytes(long count) throws IOException {
        long remaining = count;
        while (remaining > 0) {
            if (current == null || !current.isReadable()) {
                if (!nextChunk()) {
                    throw new EOFException("End of " + path + " while skipping");
                }
                continue;
            }
            int n = (int) Math.min(remaining, current.readableBytes());
            current.skipBytes(n);
            remaining -= n;
            position += n;
        }
    }

    private void dropWindow(boolean abandon) {
        releaseCurrent();
        if (window != null) {
            if (abandon) {
                // The rest of the window is still on its way: the connection cannot serve another request.
                window.markBroken();
            }
            data.release(window);
            window = null;
        }
    }

    private void releaseCurrent() {
        if (current != null) {
            current.release();
            current = null;
        }
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException("Stream for " + path + " is closed");
        }
    }
}
