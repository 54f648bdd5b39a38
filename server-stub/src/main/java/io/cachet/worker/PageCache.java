package io.cachet.worker;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * Pages of under-file-system files kept on local disk, bounded in bytes, least recently used first
 * out. A page is keyed by the file's identity (path, length, modification time and inode), so a file
 * that changes in the under-file-system is never served from its old pages.
 */
final class PageCache {
    private static final Logger log = LoggerFactory.getLogger(PageCache.class);

    private final Path directory;
    private final long capacity;
    private final int pageSize;
    private final LinkedHashMap<String, Long> pages = new LinkedHashMap<>(16, 0.75f, true);
    private long cachedBytes;
    final LongAdder hits = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder evictions = new LongAdder();

    PageCache(Path directory, long capacity, int pageSize) throws IOException {
        this.directory = Files.createDirectories(directory);
        this.capacity = capacity;
        this.pageSize = pageSize;
        reload();
    }

    int pageSize() {
        return pageSize;
    }

    /** The cached page file, if present; counts a hit or a miss. */
    Optional<Path> lookup(String fileKey, long pageIndex) {
        String name = name(fileKey, pageIndex);
        synchronized (this) {
            if (pages.get(name) != null) {
                hits.increment();
                return Optional.of(path(name));
            }
        }
        misses.increment();
        return Optional.empty();
    }

    /** Whether the page is cached, without counting a hit or a miss (a load job asks, not a reader). */
    synchronized boolean contains(String fileKey, long pageIndex) {
        return pages.containsKey(name(fileKey, pageIndex));
    }

    /** The content of a cached page, for a peer that now owns the file; not counted as a hit. */
    Optional<ByteBuffer> read(String fileKey, long pageIndex) {
        String name = name(fileKey, pageIndex);
        synchronized (this) {
            if (!pages.containsKey(name)) {
                return Optional.empty();
            }
        }
        try {
            return Optional.of(ByteBuffer.wrap(Files.readAllBytes(path(name))));
        }
        catch (NoSuchFileException e) {
            // evicted in between
            return Optional.empty();
        }
        catch (IOException e) {
            log.warn("Cannot read cached page {}: {}", name, e.getMessage());
            return Optional.empty();
        }
    }

    /** Drops pages {@code 0..pageCount-1} of a file; returns how many were cached. */
    int remove(String fileKey, long pageCount) {
        List<String> removed = new ArrayList<>();
        synchronized (this) {
            for (long index = 0; index < pageCount; index++) {
                String name = name(fileKey, index);
                if (unindex(name)) {
                    removed.add(name);
                }
            }
        }
        delete(removed);
        return removed.size();
    }

    /** Drops one page whose file turned out damaged, so that it is read again and stored anew. */
    void discard(String fileKey, long pageIndex) {
        String name = name(fileKey, pageIndex);
        boolean removed;
        synchronized (this) {
            removed = unindex(name);
        }
        if (removed) {
            delete(List.of(name));
        }
    }

    /** Takes a page out of the index, under the lock; the caller deletes its file. */
    private boolean unindex(String name) {
        Long size = pages.remove(name);
        if (size == null) {
            return false;
        }
        cachedBytes -= size;
        return true;
    }

    /** Keeps a page read from the under-file-system; evicts the least recently used pages beyond capacity. */
    void store(String fileKey, long pageIndex, ByteBuffer content) {
        if (content.remaining() > capacity) {
            return;
        }
        String name = name(fileKey, pageIndex);
        Path target = path(name);
        try {
            Files.createDirectories(target.getParent());
            Path temporary = Files.createTempFile(target.getParent(), ".page", ".tmp");
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                ByteBuffer bytes = content.duplicate();
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
            }
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (IOException e) {
            log.warn("Cannot cache page {} in {}: {}", name, directory, e.getMessage());
            return;
        }
        List<String> evicted;
        synchronized (this) {
            Long previous = pages.put(name, (long) content.remaining());
            cachedBytes += content.remaining() - (previous == null ? 0 : previous);
            evicted = evictBeyondCapacity();
        }
        delete(evicted);
    }

    synchronized long cachedBytes() {
        return cachedBytes;
    }

    synchronized long cachedPages() {
        return pages.size();
    }

    private List<String> evictBeyondCapacity() {
        List<String> evicted = new ArrayList<>();
        for (Iterator<Map.Entry<String, Long>> iterator = pages.entrySet().iterator(); cachedBytes > capacity && iterator.hasNext(); ) {
            Map.Entry<String, Long> eldest = iterator.next();
            iterator.remove();
            cachedBytes -= eldest.getValue();
            evicted.add(eldest.getKey());
            evictions.increment();
        }
        return evicted;
    }

    private void delete(List<String> names) {
        for (String name : names) {
            try {
                // A sender holding the file open keeps reading it: unlinking does not cut it off.
                Files.deleteIfExists(path(name));
            }
            catch (IOException e) {
                log.warn("Cannot delete evicted page {}: {}", name, e.getMessage());
            }
        }
    }

    /** Pages survive a restart: the index is rebuilt from the files, oldest first. */
    private void reload() throws IOException {
        List<Path> files;
        try (Stream<Path> tree = Files.walk(directory)) {
            files = tree.filter(Files::isRegularFile).toList();
        }
        List<Path> sorted = files.stream()
                .filter(file -> !file.getFileName().toString().endsWith(".tmp"))
                .sorted(Comparator.comparing(PageCache::modified))
                .toList();
        for (Path file : files) {
            if (file.getFileName().toString().endsWith(".tmp")) {
                Files.deleteIfExists(file);
            }
        }
        List<String> evicted;
        synchronized (this) {
            for (Path file : sorted) {
                long size = Files.size(file);
                pages.put(file.getFileName().toString(), size);
                cachedBytes += size;
            }
            evicted = evictBeyondCapacity();
        }
        delete(evicted);
        if (!sorted.isEmpty()) {
            log.info("Page cache {}: {} pages ({} bytes) kept from before", directory, pages.size(), cachedBytes);
        }
    }

    private static FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        }
        catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    private static String name(String fileKey, long pageIndex) {
        return fileKey + "-" + pageIndex;
    }

    private Path path(String name) {
        return directory.resolve(name.substring(0, 2)).resolve(name);
    }
}
