package io.cachet.worker;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One version of a file, open in the under-file-system for a series of page reads: a stream kept
 * open across pages reads on where the last page ended instead of asking the store for the file again.
 * Used by one thread at a time.
 */
interface VersionReader extends Closeable {
    FileVersion version();

    /**
     * Reads from {@code position} until {@code into} is full or the file ends. The bytes are whatever the
     * open file holds now: a file may be rewritten in place, or replaced while a stream is open (an HDFS
     * stream fetches the locations of later blocks by path), so {@link OpenVersions} checks the version after.
     */
    void read(long position, ByteBuffer into) throws IOException;

    @Override
    void close();
}
