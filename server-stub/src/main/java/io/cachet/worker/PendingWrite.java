package io.cachet.worker;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/** A write in progress: invisible to readers until {@link #commit}; closing it uncommitted leaves the previous file as it was. */
interface PendingWrite extends Closeable {
    /** The client path being written. */
    String path();

    void write(ByteBuffer bytes) throws IOException;

    /** Publishes the file in one step: readers see the old file or the new one, never half. */
    void commit() throws IOException;

    /** Abandons the write (if not committed) and releases what it holds. */
    @Override
    void close();
}
