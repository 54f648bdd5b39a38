package io.cachet.worker;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes the pages a miss read for a client into the cache on a thread of its own, while the page goes
 * to the client: a miss is served at the speed of the storage under the cache, not at that of the local
 * disk too. At most {@code pendingLimit} bytes wait; a page beyond that is served but not cached this
 * time (a later miss caches it), because a cache that made its readers wait for a busy disk would be
 * slower than the storage it fronts. A limit of 0 writes every page before it is served.
 */
final class PageStore implements AutoCloseable {
    private final PageCache cache;
    private final long pendingLimit;
    private final WorkerCounters counters;
    private final AtomicLong pendingBytes = new AtomicLong();
    private final ThreadPoolExecutor writer;

    PageStore(PageCache cache, long pendingLimit, WorkerCounters counters) {
        this.cache = cache;
        this.pendingLimit = pendingLimit;
        this.counters = counters;
        // The byte limit bounds the queue; one thread, as the disk takes one stream of writes best.
        this.writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), new DefaultThreadFactory("cachet-page-store", true));
    }

    /** Caches {@code page} (all its readable bytes) as page {@code index} of {@code fileKey}, now or soon; the caller keeps its reference. */
    void offer(String fileKey, long index, ByteBuf page) {
        if (pendingLimit == 0) {
            cache.store(fileKey, index, page.nioBuffer());
            return;
        }
        int size = page.readableBytes();
        if (pendingBytes.addAndGet(size) > pendingLimit) {
            pendingBytes.addAndGet(-size);
            counters.pagesNotCached.increment();
            return;
        }
        PendingPage pending = new PendingPage(fileKey, index, page.retainedDuplicate());
        try {
            writer.execute(pending);
        }
        catch (RejectedExecutionException e) {
            // Closing: nothing is cached any more.
            pending.drop();
        }
    }

    /** Stops writing: the page being written is finished (an interrupt would leave half a temporary file), those still waiting are not cached. */
    @Override
    public void close() {
        writer.shutdown();
        List<Runnable> waiting = new ArrayList<>();
        writer.getQueue().drainTo(waiting);
        waiting.forEach(page -> ((PendingPage) page).drop());
        try {
            writer.awaitTermination(10, TimeUnit.SECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class PendingPage implements Runnable {
        private final String fileKey;
        private final long index;
        private final ByteBuf page;

        PendingPage(String fileKey, long index, ByteBuf page) {
            this.fileKey = fileKey;
            this.index = index;
            this.page = page;
        }

        @Override
        public void run() {
            try {
                cache.store(fileKey, index, page.nioBuffer());
            }
            finally {
                drop();
            }
        }

        void drop() {
            pendingBytes.addAndGet(-page.readableBytes());
            page.release();
        }
    }
}
