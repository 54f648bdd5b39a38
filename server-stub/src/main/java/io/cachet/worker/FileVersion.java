package io.cachet.worker;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/** One version of an under-file-system file: where it is, and the cache key of exactly this content. */
record FileVersion(String path, Path file, String key, long length) {
    /** The current version of the file at {@code clientPath}. */
    static FileVersion current(UfsRoot ufs, String clientPath) throws IOException {
        Path file = ufs.resolve(clientPath);
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        }
        catch (NoSuchFileException e) {
            throw new FileNotFoundException("File " + clientPath + " does not exist");
        }
        if (attributes.isDirectory()) {
            throw new io.cachet.rpc.ErrorCode.IsDirectoryException("Cannot read " + clientPath + ": it is a directory");
        }
        return new FileVersion(clientPath, file, PageCache.fileKey(clientPath, attributes), attributes.size());
    }

    long pageCount(int pageSize) {
        return (length + pageSize - 1) / pageSize;
    }

    /** The length of page {@code index}: the page size, or less for the last one. */
    int pageLength(long index, int pageSize) {
        return (int) Math.min(pageSize, length - index * pageSize);
    }
}
