package io.cachet.worker;

import io.cachet.rpc.ErrorCode;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.attribute.BasicFileAttributes;

/** One version of an under-file-system file: its client path, and the cache key of exactly this content. */
record FileVersion(String path, String key, long length) {
    /** The current version of the file at {@code clientPath}. */
    static FileVersion current(UfsRoot ufs, String clientPath) throws IOException {
        BasicFileAttributes attributes = ufs.attributes(clientPath);
        if (attributes.isDirectory()) {
            throw new ErrorCode.IsDirectoryException("Cannot read " + clientPath + ": it is a directory");
        }
        if (!attributes.isRegularFile()) {
            // A FIFO or a device would block the reader or never end.
            throw new AccessDeniedException(clientPath, null, "refused: not a regular file; only regular files are served");
        }
        return new FileVersion(clientPath, PageCache.fileKey(clientPath, attributes), attributes.size());
    }

    long pageCount(int pageSize) {
        return (length + pageSize - 1) / pageSize;
    }

    /** The length of page {@code index}: the page size, or less for the last one. */
    int pageLength(long index, int pageSize) {
        return (int) Math.min(pageSize, length - index * pageSize);
    }
}
