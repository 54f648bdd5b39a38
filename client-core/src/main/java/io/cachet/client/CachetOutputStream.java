package io.cachet.client;

import io.cachet.transfer.DataConnection;
import io.cachet.transfer.FrameType;
import io.cachet.transfer.RemoteError;
import io.cachet.transfer.TransferProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * Streams a new file to its owner, which writes it to a temporary file in the under-file-system and
 * renames it into place when this stream closes. A failure before that leaves the old file intact.
 */
public final class CachetOutputStream extends OutputStream {

    private final DataPlane data;
    private final ClientMetrics metrics;
    private final String path;
    private final DataConnection connection;
    // The next WRITE_DATA payload, written straight from the caller's bytes (no staging array, one copy).
    private ByteBuf chunk;
    private boolean closed;
    private boolean failed;

    CachetOutputStream(DataPlane data, ClientMetrics metrics, String path, DataConnection connection) {
        this.data = data;
        this.metrics = metrics;
        this.path = path;
        this.connection = connection;
    }

    @Override
    public void write(int b) throws IOException {
        checkOpen();
        chunk().writeByte(b);
        sendIfFull();
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        checkOpen();
        Objects.checkFromIndexSize(offset, length, bytes.length);
        while (length > 0) {
            ByteBuf into = chunk();
            int n = Math.min(length, into.writableBytes());
            into.writeBytes(bytes, offset, n);
            offset += n;
            length -= n;
            sendIfFull();
        }
    }

    /** Sends what is buffered to the worker; the file still becomes visible only on close. */
    @Override
    public void flush() throws IOException {
        checkOpen();
        if (chunk != null) {
            sendChunk();
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (failed) {
            dropChunk();
            connection.close();
            return;
        }
        try {
            if (chunk != null) {
                sendChunk();
            }
            connection.send(TransferProtocol.empty(ByteBufAllocator.DEFAULT, FrameType.WRITE_CLOSE));
            connection.expect(data.frameTimeout(), path, FrameType.OK).content().release();
            data.release(connection);
        }
        catch (RemoteError e) {
            connection.close();
            throw e.error();
        }
        catch (IOException e) {
            connection.close();
            throw new IOException("Writing %s to worker %s failed; the previous file, if any, is unchanged: %s"
                    .formatted(path, connection.worker().id(), e.getMessage()), e);
        }
    }

    /** Drops the write: the worker deletes the temporary file and the previous file stays. */
    public void abort() {
        failed = true;
        closed = true;
        dropChunk();
        connection.close();
    }

    private ByteBuf chunk() {
        if (chunk == null) {
            chunk = ByteBufAllocator.DEFAULT.buffer(TransferProtocol.MAX_WRITE_CHUNK, TransferProtocol.MAX_WRITE_CHUNK);
        }
        return chunk;
    }

    private void sendIfFull() throws IOException {
        if (!chunk.isWritable()) {
            sendChunk();
        }
    }

    /** Hands the chunk to the connection, which releases it. */
    private void sendChunk() throws IOException {
        ByteBuf payload = chunk;
        chunk = null;
        int length = payload.readableBytes();
        try {
            connection.send(TransferProtocol.frame(ByteBufAllocator.DEFAULT, FrameType.WRITE_DATA, payload));
        }
        catch (IOException e) {
            failed = true;
            throw e;
        }
        metrics.bytesWritten.add(length);
    }

    private void dropChunk() {
        if (chunk != null) {
            chunk.release();
            chunk = null;
        }
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException("Stream for " + path + " is closed");
        }
    }
}
