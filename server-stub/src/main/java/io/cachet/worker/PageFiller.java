package io.cachet.worker;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Fills a cache miss: from the previous owner's cache while a membership change is recent, else from
 * the under-file-system; either way the page is cached here.
 */
final class PageFiller {
    private final UfsRoot ufs;
    private final PageCache cache;
    private final PeerPages peers;
    private final WorkerCounters counters;

    PageFiller(UfsRoot ufs, PageCache cache, PeerPages peers, WorkerCounters counters) {
        this.ufs = ufs;
        this.cache = cache;
        this.peers = peers;
        this.counters = counters;
    }

    /** The whole page {@code index} of {@code file}, read now and cached (a short read, from a file that shrank, is not cached). */
    ByteBuffer fill(FileVersion file, long index) throws IOException {
        int pageLength = file.pageLength(index, cache.pageSize());
        Optional<ByteBuffer> fromPeer = peers.fetch(file, index, pageLength);
        if (fromPeer.isPresent()) {
            cache.store(file.key(), index, fromPeer.get());
            return fromPeer.get();
        }
        ByteBuffer content = ByteBuffer.allocate(pageLength);
        long pageStart = index * cache.pageSize();
        ufs.read(file.path(), pageStart, content);
        content.flip();
        counters.ufsPagesRead.increment();
        if (content.remaining() == pageLength) {
            cache.store(file.key(), index, content);
        }
        return content;
    }
}
