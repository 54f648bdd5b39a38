package io.cachet.worker;

import io.cachet.client.FileStatus;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * What a worker needs from the storage under the cache, in client paths ({@code /a/b}) that never
 * reach above its root: a local directory ({@link UfsRoot}) or any Hadoop file system ({@link HadoopUfs}).
 * Errors are the {@code java.nio.file} and {@code java.io} exceptions that {@code ErrorCode.of} maps.
 */
interface UnderFileSystem extends Closeable {
    FileStatus status(String clientPath) throws IOException;

    /** The current version of a regular file, whose key changes whenever its content may have. */
    FileVersion version(String clientPath) throws IOException;

    /** Whether {@link #status} is a few local system calls, quick enough to answer on a network thread; false when it is a remote call. */
    boolean localStatus();

    /** A directory's children by name (unfinished writes left out), or a file's own status. */
    List<FileStatus> list(String clientPath) throws IOException;

    boolean mkdirs(String clientPath) throws IOException;

    /** False when there is nothing to delete; deleting the root empties it, as HDFS does. */
    boolean delete(String clientPath, boolean recursive) throws IOException;

    /** HDFS rename rules: into an existing directory, never over an existing file; false when it cannot be done. */
    boolean rename(String source, String destination) throws IOException;

    /** A write to {@code clientPath} after the create checks; readers see nothing of it until {@link PendingWrite#commit}. */
    PendingWrite create(String clientPath, boolean overwrite, boolean createParents) throws IOException;

    /** Opens {@code file} for reading its pages; fails when the file is no longer that version. */
    VersionReader open(FileVersion file) throws IOException;

    /**
     * Removes what writes that never finished left behind: all of this worker's (at start, when its
     * earlier life's writes are over), or everyone's older than {@code age}.
     */
    void removeAbandonedWrites(Duration age, boolean ownAtAnyAge) throws IOException;

    /** An error message as a client may see it: where the root lies is not its business. */
    String clientMessage(IOException error);

    /** Where the root is and how writes are published, for the worker's start line. */
    String describe();

    @Override
    void close() throws IOException;
}
