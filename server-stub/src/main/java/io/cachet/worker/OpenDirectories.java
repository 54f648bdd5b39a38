package io.cachet.worker;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Directories under the under-file-system root that walks have opened, kept open for the walks after
 * them, so that a status or a read of a file opens no directory on its way (each open is six system
 * calls in the JDK: open, dup, fcntl, fstat and two closes).
 *
 * <p>A kept directory stands in for opening a name only when the name, looked at a moment before
 * without following links from a parent the walk reached the same way, is that very directory: the
 * same device and inode. Directories cannot be hard-linked, so it is then exactly what opening the name
 * would give. A directory moved out of the root, or replaced, or swapped for a link, no longer matches
 * its name and is opened afresh (or followed as a link, confined, by the walk).
 *
 * <p>Each {@link Directory} counts its users: dropping it from here closes it only once the last walk
 * that holds it is done.
 */
final class OpenDirectories implements Closeable {
    /** Two descriptors each (the JDK keeps a duplicate for reading entries). */
    static final int MAX_KEPT = 128;

    private final Map<String, Directory> kept = new ConcurrentHashMap<>();
    private final int maxKept;
    /** Set before closing: a walk still under way keeps nothing more. */
    private volatile boolean closed;

    OpenDirectories(int maxKept) {
        this.maxKept = maxKept;
    }

    /**
     * Directory {@code name} of {@code parent}, at {@code path} under the root, whose attributes the
     * caller has just read without following links: a kept one when it is still the directory there, or
     * one opened now. The caller releases it.
     *
     * @throws java.nio.file.FileSystemException when the name is no longer a directory (replaced by a link, say)
     */
    Directory open(Directory parent, Path name, String path, BasicFileAttributes attributes) throws IOException {
        Object identity = attributes.fileKey();
        Directory directory = kept.get(path);
        if (directory != null && identity != null && identity.equals(directory.identity) && directory.acquire()) {
            return directory;
        }
        Directory opened = Directory.open(parent, name);
        if (!closed && identity != null && identity.equals(opened.identity) && opened.acquire()) {
            // Not kept when the name changed between the look and the open: used for this walk only, as opened.
            opened.path = path;
            Directory replaced = kept.put(path, opened);
            if (replaced != null) {
                replaced.release();
            }
            if (closed) {
                drop(opened);
            }
            trim();
        }
        return opened;
    }

    /**
     * Stops keeping {@code directory} (a walk through it failed: a stale handle on a network file system,
     * say), so the next walk opens its name afresh. The caller's hold is its own to release.
     */
    void drop(Directory directory) {
        if (directory.path != null && kept.remove(directory.path, directory)) {
            directory.release();
        }
    }

    private void trim() {
        Iterator<Map.Entry<String, Directory>> entries = kept.entrySet().iterator();
        while (kept.size() > maxKept && entries.hasNext()) {
            Map.Entry<String, Directory> entry = entries.next();
            if (kept.remove(entry.getKey(), entry.getValue())) {
                entry.getValue().release();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (String path : kept.keySet()) {
            Directory directory = kept.remove(path);
            if (directory != null) {
                directory.release();
            }
        }
    }

    /** An open directory shared by the walks that hold it; closed when the last one releases it. */
    static final class Directory {
        final SecureDirectoryStream<Path> stream;
        /** Device and inode, from the open directory itself. */
        final Object identity;
        private final AtomicInteger holders = new AtomicInteger(1);
        /** Where it is kept; null while it is not. */
        private volatile String path;

        private Directory(SecureDirectoryStream<Path> stream, Object identity) {
            this.stream = stream;
            this.identity = identity;
        }

        /** An open directory held once, by the caller. */
        static Directory of(SecureDirectoryStream<Path> stream) throws IOException {
            try {
                return new Directory(stream, stream.getFileAttributeView(BasicFileAttributeView.class).readAttributes().fileKey());
            }
            catch (IOException | RuntimeException e) {
                closeQuietly(stream);
                throw e;
            }
        }

        static Directory open(Directory parent, Path name) throws IOException {
            return of(parent.stream.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS));
        }

        /** One more holder; false once it has been closed. */
        boolean acquire() {
            return holders.getAndUpdate(count -> count <= 0 ? count : count + 1) > 0;
        }

        void release() {
            if (holders.decrementAndGet() == 0) {
                closeQuietly(stream);
            }
        }

        private static void closeQuietly(SecureDirectoryStream<Path> stream) {
            try {
                stream.close();
            }
            catch (IOException e) {
                // a directory handle: nothing was written through it
            }
        }
    }
}
