package io.cachet.worker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Fills a cache miss: from the previous owner's cache while a membership change is recent, else from
 * the under-file-system (through the caller's {@link OpenVersions}, which keeps the file open from page to
 * page); either way the page is cached here, under the version it was read from. A page
 * read for a client is cached by the {@link PageStore} while it is served; a page a cache job loads is
 * cached before the job goes on.
 */
final class PageFiller {
    private final PageCache cache;
    private final PageStore store;
    private final PeerPages peers;
    private final WorkerCounters counters;

    PageFiller(PageCache cache, PageStore store, PeerPages peers, WorkerCounters counters) {
        this.cache = cache;
        this.store = store;
        this.peers = peers;
        this.counters = counters;
    }

    /**
     * The whole page {@code index} of {@code file}, read now and handed to the page store (a short read,
     * from a file that shrank, is not cached). The page is in pooled direct memory: the caller releases
     * it. Direct, so the page file's write and the socket (or TLS engine) take the bytes without another copy.
     */
    ByteBuf fill(FileVersion file, long index, OpenVersions files) throws IOException {
        int pageLength = file.pageLength(index, cache.pageSize());
        ByteBuf page = read(file, index, pageLength, files);
        if (page.readableBytes() == pageLength) {
            store.offer(file.key(), index, page);
        }
        return page;
    }

    /** Reads page {@code index} of {@code file} and caches it before returning. */
    void load(FileVersion file, long index, OpenVersions files) throws IOException {
        int pageLength = file.pageLength(index, cache.pageSize());
        ByteBuf page = read(file, index, pageLength, files);
        try {
            if (page.readableBytes() == pageLength) {
                cache.store(file.key(), index, page.nioBuffer());
            }
        }
        finally {
            page.release();
        }
    }

    private ByteBuf read(FileVersion file, long index, int pageLength, OpenVersions files) throws IOException {
        Optional<ByteBuffer> fromPeer = peers.fetch(file, index, pageLength);
        if (fromPeer.isPresent()) {
            return Unpooled.wrappedBuffer(fromPeer.get());
        }
        ByteBuf page = PooledByteBufAllocator.DEFAULT.directBuffer(pageLength, pageLength);
        try {
            ByteBuffer content = page.nioBuffer(0, pageLength);
            files.read(file, index * cache.pageSize(), content);
            page.writerIndex(content.position());
            counters.ufsPagesRead.increment();
            return page;
        }
        catch (IOException | RuntimeException e) {
            page.release();
            throw e;
        }
    }
}
