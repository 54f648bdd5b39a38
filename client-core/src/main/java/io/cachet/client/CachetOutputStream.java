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
    private final byte[] buffer = new byte[TransferProtocol.MAX_WRITE_CHUNK];
    private int buffered;
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
        if (buffered == buffer.length) {
            sendBuffer();
        }
        buffer[buffered++] = (byte) b;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        checkOpen();
        Objects.checkFromIndexSize(offset, length, bytes.length);
        while (length > 0) {
            if (buffered == buffer.length) {
                sendBuffer();
            }
            int n = Math.min(length, buffer.length - buffered);
            System.arraycopy(bytes, offset, buffer, buffered, n);
            buffered += n;
            offset += n;
            length -= n;
        }
    }

    /** Sends what is buffered to the worker; the file still becomes visible only on close. */
    @Override
    public void flush() throws IOException {
        checkOpen();
        if (buffered > 0) {
            sendBuffer();
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (failed) {
            connection.close();
            return;
        }
        try {
            if (buffered > 0) {
                sendBuffer();
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
        connection.close();
    }

    private void sendBuffer() throws IOException {
        ByteBuf payload = ByteBufAllocator.DEFAULT.buffer(buffered);
        payload.writeBytes(buffer, 0, buffered);
        try {
            connection.send(TransferProtocol.frame(ByteBufAllocator.DEFAULT, FrameType.WRITE_DATA, payload));
        }
        catch (IOException e) {
            failed = true;
            throw e;
        }
        metrics.bytesWritten.add(buffered);
        buffered = 0;
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException("Stream for " + path + " is closed");
        }
    }
}
