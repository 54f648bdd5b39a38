package io.cachet.worker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Fills a cache miss: from the previous owner's cache while a membership change is recent, else from
 * the under-file-system; either way the page is cached here, under the version it was read from.
 */
final class PageFiller {
    private final UnderFileSystem ufs;
    private final PageCache cache;
    private final PeerPages peers;
    private final WorkerCounters counters;

    PageFiller(UnderFileSystem ufs, PageCache cache, PeerPages peers, WorkerCounters counters) {
        this.ufs = ufs;
        this.cache = cache;
        this.peers = peers;
        this.counters = counters;
    }

    /**
     * The whole page {@code index} of {@code file}, read now and cached (a short read, from a file that
     * shrank, is not cached). The page is in pooled direct memory: the caller releases it. Direct, so
     * the page file's write and the socket (or TLS engine) take the bytes without another copy.
     */
    ByteBuf fill(FileVersion file, long index) throws IOException {
        int pageLength = file.pageLength(index, cache.pageSize());
        Optional<ByteBuffer> fromPeer = peers.fetch(file, index, pageLength);
        if (fromPeer.isPresent()) {
            cache.store(file.key(), index, fromPeer.get());
            return Unpooled.wrappedBuffer(fromPeer.get());
        }
        ByteBuf page = PooledByteBufAllocator.DEFAULT.directBuffer(pageLength, pageLength);
        try {
            ByteBuffer content = page.nioBuffer(0, pageLength);
            long pageStart = index * cache.pageSize();
            ufs.read(file.path(), pageStart, content);
            content.flip();
            page.writerIndex(content.remaining());
            counters.ufsPagesRead.increment();
            if (!ufs.version(file.path()).key().equals(file.key())) {
                // Replaced while the page was read: its bytes may belong to neither version, and must not be cached as the old one.
                throw new IOException("File " + file.path() + " changed while it was read; read it again");
            }
            if (content.remaining() == pageLength) {
                cache.store(file.key(), index, content);
            }
            return page;
        }
        catch (IOException | RuntimeException e) {
            page.release();
            throw e;
        }
    }
}
