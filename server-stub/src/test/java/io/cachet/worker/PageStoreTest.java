package io.cachet.worker;

import io.cachet.testing.Eventually;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Pages read for a client are cached after they are handed over, within a limit on what may wait, on a real page cache. */
class PageStoreTest {
    private static final int PAGE_SIZE = 4096;
    private static final String KEY = FileVersion.of("/file", 100 * PAGE_SIZE, "v1").key();

    @TempDir
    Path directory;

    private PageCache cache;
    private WorkerCounters counters;
    private final List<ByteBuf> pages = new ArrayList<>();

    @BeforeEach
    void cache() throws IOException {
        cache = new PageCache(directory.resolve("pages"), 1000L * PAGE_SIZE, PAGE_SIZE);
        counters = new WorkerCounters();
    }

    @AfterEach
    void releasePages() {
        pages.forEach(ByteBuf::release);
    }

    @Test
    void anOfferedPageIsCachedSoonAfterAndTheCallerKeepsItsReference() throws Exception {
        ByteBuf page = page(1);
        try (PageStore store = new PageStore(cache, 64L * PAGE_SIZE, counters)) {
            store.offer(KEY, 0, page);
            Eventually.await("the page cached", () -> cache.contains(KEY, 0));
        }
        assertThat(cache.read(KEY, 0)).hasValue(page.nioBuffer());
        assertThat(page.refCnt()).as("the store let go of the page; the caller still holds it").isEqualTo(1);
        assertThat(counters.pagesNotCached.sum()).isZero();
    }

    @Test
    void aPageBeyondThePendingLimitIsNotCachedAndIsCounted() {
        ByteBuf page = page(2);
        try (PageStore store = new PageStore(cache, PAGE_SIZE - 1, counters)) {
            store.offer(KEY, 0, page);
        }
        assertThat(cache.contains(KEY, 0)).isFalse();
        assertThat(counters.pagesNotCached.sum()).isEqualTo(1);
        assertThat(page.refCnt()).isEqualTo(1);
    }

    @Test
    void withALimitOfZeroThePageIsCachedBeforeOfferReturns() {
        ByteBuf page = page(3);
        try (PageStore store = new PageStore(cache, 0, counters)) {
            store.offer(KEY, 0, page);
            assertThat(cache.contains(KEY, 0)).isTrue();
        }
        assertThat(cache.read(KEY, 0)).hasValue(page.nioBuffer());
    }

    @Test
    void closingLetsGoOfEveryPageWhetherItWasWrittenOrNot() {
        PageStore store = new PageStore(cache, 1000L * PAGE_SIZE, counters);
        for (int index = 0; index < 100; index++) {
            store.offer(KEY, index, page(index));
        }
        store.close();

        assertThat(pages).allMatch(page -> page.refCnt() == 1, "held by the caller alone");
        long cached = 0;
        for (int index = 0; index < 100; index++) {
            if (cache.contains(KEY, index)) {
                cached++;
                assertThat(cache.read(KEY, index)).hasValue(pages.get(index).nioBuffer());
            }
        }
        // The writer may have got to any number of them before it was stopped; none is half there.
        assertThat(cache.cachedPages()).isEqualTo(cached);
        store.offer(KEY, 100, page(100));
        assertThat(cache.contains(KEY, 100)).as("nothing is cached after close").isFalse();
    }

    private ByteBuf page(int seed) {
        byte[] bytes = new byte[PAGE_SIZE];
        new Random(seed).nextBytes(bytes);
        ByteBuf page = Unpooled.directBuffer(PAGE_SIZE).writeBytes(bytes);
        pages.add(page);
        return page;
    }
}
