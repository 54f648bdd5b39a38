package io.cachet.worker;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The under-file-system file that one reader of pages (a data connection, a cache job) has open: opened
 * at its first miss, kept while it reads the same version, closed when it moves to another file or ends.
 * Cache hits never open one. Used by one thread at a time.
 */
final class OpenVersions implements Closeable {
    private final UnderFileSystem ufs;
    private VersionReader open;

    OpenVersions(UnderFileSystem ufs) {
        this.ufs = ufs;
    }

    /**
     * Reads from {@code position} of {@code file} until {@code into} is full or the file ends, through the
     * file already open when it is of this version. Fails when the file is no longer that version after
     * the read: its bytes may belong to neither version, and must not be served or cached as this one.
     * (For HDFS, checking that the stream reads the blocks the file had at open would spare the NameNode
     * call, but not catch a truncate and append in place: a DataNode serves a block's newer bytes to a
     * stream that asks for its older generation.)
     */
    void read(FileVersion file, long position, ByteBuffer into) throws IOException {
        try {
            reader(file).read(position, into);
            if (!ufs.version(file.path()).key().equals(file.key())) {
                throw new IOException("File " + file.path() + " changed while it was read; read it again");
            }
        }
        catch (IOException | RuntimeException e) {
            // The next read opens the file afresh rather than trust a stream that failed.
            close();
            throw e;
        }
    }

    private VersionReader reader(FileVersion file) throws IOException {
        if (open != null && open.version().key().equals(file.key())) {
            return open;
        }
        close();
        open = ufs.open(file);
        return open;
    }

    @Override
    public void close() {
        if (open != null) {
            open.close();
            open = null;
        }
    }
}
