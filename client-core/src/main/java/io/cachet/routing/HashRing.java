package io.cachet.routing;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Consistent hashing of paths onto workers, shared by clients and servers. Each worker owns many
 * points (virtual nodes) on a 64-bit ring, placed by its stable id, so adding or removing a worker
 * moves only that worker's share of paths.
 */
public final class HashRing {
    private static final HashFunction HASH = Hashing.murmur3_128();

    private final NavigableMap<Long, WorkerAddress> points;
    private final List<WorkerAddress> workers;

    private HashRing(NavigableMap<Long, WorkerAddress> points, List<WorkerAddress> workers) {
        this.points = points;
        this.workers = workers;
    }

    public static HashRing of(Collection<WorkerAddress> workers, int virtualNodes) {
        NavigableMap<Long, WorkerAddress> points = new TreeMap<>();
        for (WorkerAddress worker : workers) {
            for (int i = 0; i < virtualNodes; i++) {
                long point = HASH.hashString(worker.id() + "#" + i, StandardCharsets.UTF_8).asLong();
                // On the rare collision the smaller id wins, so every node builds the same ring.
                points.merge(point, worker, (a, b) -> a.id().compareTo(b.id()) <= 0 ? a : b);
            }
        }
        return new HashRing(points, List.copyOf(workers));
    }

    public List<WorkerAddress> workers() {
        return workers;
    }

    public boolean isEmpty() {
        return points.isEmpty();
    }

    /** The owner of {@code path}: the first worker clockwise from the path's hash. */
    public Optional<WorkerAddress> owner(String path) {
        return owner(path, worker -> true);
    }

    /**
     * The first worker clockwise from the path's hash that {@code usable} accepts: the owner the path
     * will have once the unusable workers leave the ring.
     */
    public Optional<WorkerAddress> owner(String path, Predicate<WorkerAddress> usable) {
        if (points.isEmpty()) {
            return Optional.empty();
        }
        long hash = HASH.hashString(path, StandardCharsets.UTF_8).asLong();
        Map.Entry<Long, WorkerAddress> first = points.ceilingEntry(hash);
        WorkerAddress owner = (first != null ? first : points.firstEntry()).getValue();
        if (usable.test(owner)) {
            return Optional.of(owner);
        }
        for (WorkerAddress candidate : walk(hash)) {
            if (usable.test(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private Iterable<WorkerAddress> walk(long hash) {
        // Distinct workers in ring order starting at hash, wrapping around once.
        Map<String, WorkerAddress> seen = new LinkedHashMap<>();
        for (WorkerAddress worker : points.tailMap(hash, true).values()) {
            seen.putIfAbsent(worker.id(), worker);
            if (seen.size() == workers.size()) {
                return seen.values();
            }
        }
        for (WorkerAddress worker : points.headMap(hash, false).values()) {
            seen.putIfAbsent(worker.id(), worker);
            if (seen.size() == workers.size()) {
                break;
            }
        }
        return seen.values();
    }

    public Set<String> workerIds() {
        return points.values().stream().map(WorkerAddress::id).collect(Collectors.toUnmodifiableSet());
    }
}
