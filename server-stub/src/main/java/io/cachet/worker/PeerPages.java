package io.cachet.worker;

import io.cachet.routing.HashRing;
import io.cachet.routing.WorkerAddress;
import io.cachet.rpc.proto.InternodeServiceGrpc;
import io.cachet.rpc.proto.Membership;
import io.cachet.rpc.proto.PageRequest;
import io.cachet.rpc.proto.PageResponse;
import io.cachet.rpc.proto.WorkerInfo;
import io.cachet.server.PeerChannels;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * Pages a new owner asks the previous owner for. When membership changes, the paths that move keep
 * their pages in the old owner's cache for a while: for {@code cachet.worker.peer.fetch.window} after
 * a change, a miss on a path whose owner was another live worker is asked of that worker before the
 * under-file-system. The ring before a change is the one this worker saw last; a worker that just
 * joined takes the ring without itself, which is exactly who owned its paths before it came. Only a
 * previous owner that had been serving for {@code cachet.worker.peer.fetch.min.age} when the change
 * was seen can have pages to give: workers that start together (a new cluster) ask nobody.
 */
final class PeerPages implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PeerPages.class);

    /** {@code askable}: the live workers other than this one that had been serving long enough to hold pages. */
    private record Rings(HashRing current, HashRing previous, Set<String> live, Set<String> askable, long changedNanos) {}

    private final String self;
    private final PeerChannels channels;
    private final int virtualNodes;
    private final long windowNanos;
    private final long minAgeMillis;
    private final Duration timeout;
    private final LongSupplier nanoClock;
    private final LongSupplier wallClock;
    private final WorkerCounters counters;
    private volatile Rings rings;
    private volatile long lastWarningNanos;

    PeerPages(String self, PeerChannels channels, int virtualNodes, Duration window, Duration minAge, Duration timeout, LongSupplier nanoClock,
            LongSupplier wallClock, WorkerCounters counters) {
        this.self = self;
        this.channels = channels;
        this.virtualNodes = virtualNodes;
        this.windowNanos = window.toNanos();
        this.minAgeMillis = minAge.toMillis();
        this.timeout = timeout;
        this.nanoClock = nanoClock;
        this.wallClock = wallClock;
        this.counters = counters;
    }

    /** A membership list from the coordinator; only a change of workers starts a new window. */
    synchronized void membership(Membership membership) {
        List<WorkerAddress> workers = membership.getWorkersList().stream().map(WorkerAddress::from).toList();
        Set<String> live = workers.stream().map(WorkerAddress::id).collect(Collectors.toUnmodifiableSet());
        Rings before = rings;
        if (before != null && before.live.equals(live)) {
            return;
        }
        HashRing current = HashRing.of(workers, virtualNodes);
        HashRing previous = before != null
                ? before.current
                : HashRing.of(workers.stream().filter(worker -> !worker.id().equals(self)).toList(), virtualNodes);
        long now = wallClock.getAsLong();
        // Ages come from the peers' clocks: skew between hosts shifts them by that much, well under the minimum age.
        Set<String> askable = membership.getWorkersList().stream()
                .filter(worker -> !worker.getId().equals(self))
                .filter(worker -> worker.getStartedMillis() == 0 || now - worker.getStartedMillis() >= minAgeMillis)
                .map(WorkerInfo::getId)
                .collect(Collectors.toUnmodifiableSet());
        rings = new Rings(current, previous, live, askable, nanoClock.getAsLong());
        channels.retain(live);
    }

    /** Workers in the last membership list this worker heard. */
    int workers() {
        Rings now = rings;
        return now == null ? 0 : now.live.size();
    }

    /** Page {@code index} of {@code file} from the path's previous owner, when there is one, it is alive and it has exactly this version cached. */
    Optional<ByteBuffer> fetch(FileVersion file, long index, int expectedLength) {
        Rings now = rings;
        if (now == null || now.askable.isEmpty() || windowNanos == 0 || nanoClock.getAsLong() - now.changedNanos > windowNanos) {
            return Optional.empty();
        }
        Optional<WorkerAddress> previous = now.previous.owner(file.path())
                .filter(owner -> now.askable.contains(owner.id()));
        if (previous.isEmpty()) {
            return Optional.empty();
        }
        counters.peerPageRequests.increment();
        try {
            PageResponse response = InternodeServiceGrpc.newBlockingStub(channels.to(previous.get()))
                    .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .fetchPage(PageRequest.newBuilder().setFileKey(file.key()).setPageIndex(index).setPath(file.path()).build());
            if (!response.getFound() || response.getContent().size() != expectedLength) {
                return Optional.empty();
            }
            counters.peerPagesFetched.increment();
            return Optional.of(response.getContent().asReadOnlyByteBuffer());
        }
        catch (StatusRuntimeException e) {
            counters.peerFetchFailures.increment();
            long clock = nanoClock.getAsLong();
            // One line per ten seconds: a peer that refuses us would otherwise log once per page.
            if (clock - lastWarningNanos > TimeUnit.SECONDS.toNanos(10)) {
                lastWarningNanos = clock;
                log.warn("Cannot fetch page {} of {} from its previous owner {} at {}, reading the under-file-system instead: {}",
                        index, file.path(), previous.get().id(), previous.get().rpcEndpoint(), e.getStatus());
            }
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        channels.close();
    }
}
