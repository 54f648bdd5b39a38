package io.cachet.hadoop;

import io.cachet.client.CachetInputStream;
import org.apache.hadoop.fs.ByteBufferReadable;
import org.apache.hadoop.fs.CanUnbuffer;
import org.apache.hadoop.fs.FSExceptionMessages;
import org.apache.hadoop.fs.FSInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.StreamCapabilities;
import org.apache.hadoop.fs.statistics.IOStatistics;
import org.apache.hadoop.fs.statistics.IOStatisticsSource;
import org.apache.hadoop.fs.statistics.StreamStatisticNames;
import org.apache.hadoop.fs.statistics.impl.IOStatisticsBinding;
import org.apache.hadoop.fs.statistics.impl.IOStatisticsStore;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Objects;

/** A Cachet file as Hadoop reads it: seekable, positioned and ByteBuffer reads, IOStatistics, unbuffer. */
final class CachetFSInputStream extends FSInputStream implements ByteBufferReadable, CanUnbuffer, StreamCapabilities, IOStatisticsSource {
    private final CachetInputStream in;
    private final FileSystem.Statistics statistics;
    private final IOStatisticsStore ioStatistics = IOStatisticsBinding.iostatisticsStore()
            .withCounters(StreamStatisticNames.STREAM_READ_BYTES, StreamStatisticNames.STREAM_READ_OPERATIONS,
                    StreamStatisticNames.STREAM_READ_SEEK_OPERATIONS, StreamStatisticNames.STREAM_READ_UNBUFFERED)
            .build();
    private boolean closed;

    CachetFSInputStream(CachetInputStream in, FileSystem.Statistics statistics) {
        this.in = in;
        this.statistics = statistics;
    }

    @Override
    public synchronized void seek(long position) throws IOException {
        checkOpen();
        if (position < 0) {
            throw new EOFException(FSExceptionMessages.NEGATIVE_SEEK + ": " + position);
        }
        if (position > in.length()) {
            throw new EOFException(FSExceptionMessages.CANNOT_SEEK_PAST_EOF + ": " + position);
        }
        ioStatistics.incrementCounter(StreamStatisticNames.STREAM_READ_SEEK_OPERATIONS);
        in.seek(position);
    }

    @Override
    public synchronized long getPos() {
        return in.position();
    }

    @Override
    public boolean seekToNewSource(long targetPos) {
        return false;
    }

    @Override
    public synchronized int read() throws IOException {
        checkOpen();
        int value = in.read();
        count(value < 0 ? -1 : 1);
        return value;
    }

    @Override
    public synchronized int read(byte[] buffer, int offset, int length) throws IOException {
        checkOpen();
        Objects.checkFromIndexSize(offset, length, buffer.length);
        int read = in.read(buffer, offset, length);
        count(read);
        return read;
    }

    @Override
    public synchronized int read(ByteBuffer buffer) throws IOException {
        checkOpen();
        if (!buffer.hasRemaining()) {
            return 0;
        }
        byte[] bytes = new byte[Math.min(buffer.remaining(), 1 << 20)];
        int read = in.read(bytes, 0, bytes.length);
        if (read > 0) {
            buffer.put(bytes, 0, read);
        }
        count(read);
        return read;
    }

    @Override
    public int read(long position, byte[] buffer, int offset, int length) throws IOException {
        checkOpen();
        validatePositionedReadArgs(position, buffer, offset, length);
        if (length == 0) {
            return 0;
        }
        int read = in.read(position, buffer, offset, length);
        count(read);
        return read;
    }

    @Override
    public void readFully(long position, byte[] buffer, int offset, int length) throws IOException {
        checkOpen();
        validatePositionedReadArgs(position, buffer, offset, length);
        if (length == 0) {
            return;
        }
        if (position + length > in.length()) {
            throw new EOFException(FSExceptionMessages.EOF_IN_READ_FULLY + ": " + (position + length) + " > " + in.length());
        }
        in.readFully(position, buffer, offset, length);
        count(length);
    }

    @Override
    public synchronized int available() throws IOException {
        checkOpen();
        return in.available();
    }

    @Override
    public synchronized void unbuffer() {
        ioStatistics.incrementCounter(StreamStatisticNames.STREAM_READ_UNBUFFERED);
        in.unbuffer();
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            in.close();
        }
    }

    @Override
    public boolean hasCapability(String capability) {
        return switch (capability.toLowerCase(Locale.ROOT)) {
            case StreamCapabilities.IOSTATISTICS, StreamCapabilities.UNBUFFER, StreamCapabilities.READBYTEBUFFER, StreamCapabilities.VECTOREDIO -> true;
            default -> false;
        };
    }

    @Override
    public IOStatistics getIOStatistics() {
        return ioStatistics;
    }

    private void count(int read) {
        ioStatistics.incrementCounter(StreamStatisticNames.STREAM_READ_OPERATIONS);
        if (read > 0) {
            ioStatistics.incrementCounter(StreamStatisticNames.STREAM_READ_BYTES, read);
            if (statistics != null) {
                statistics.incrementBytesRead(read);
            }
        }
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException(FSExceptionMessages.STREAM_IS_CLOSED + ": " + in.path());
        }
    }
}
