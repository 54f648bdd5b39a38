package io.cachet.worker;

import com.google.common.hash.Hashing;

import java.nio.charset.StandardCharsets;

/** One version of an under-file-system file: its client path, and the cache key of exactly this content. */
record FileVersion(String path, String key, long length) {
    /**
     * The version whose {@code identity} (what the store says about this content: length, modification
     * time, file id, etag) is given; any change to it gives new page keys, so old pages are never served.
     */
    static FileVersion of(String clientPath, long length, String identity) {
        String key = Hashing.murmur3_128().hashString(clientPath + '\0' + identity, StandardCharsets.UTF_8).toString();
        return new FileVersion(clientPath, key, length);
    }

    long pageCount(int pageSize) {
        return (length + pageSize - 1) / pageSize;
    }

    /** The length of page {@code index}: the page size, or less for the last one. */
    int pageLength(long index, int pageSize) {
        return (int) Math.min(pageSize, length - index * pageSize);
    }
}
