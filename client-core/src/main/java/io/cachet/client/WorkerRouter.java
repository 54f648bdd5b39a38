package io.cachet.client;

import com.google.common.net.HostAndPort;
import io.cachet.membership.CoalescedRun;
import io.cachet.membership.MembershipSource;
import io.cachet.routing.CachetPaths;
import io.cachet.routing.HashRing;
import io.cachet.routing.WorkerAddress;
import io.cachet.rpc.proto.Membership;
import io.grpc.StatusRuntimeException;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * Which worker serves a path: the consistent-hash ring over the membership the store serves, refreshed
 * on a schedule, when the store pushes a change and when a worker stops answering; the workers
 * suspected of not answering, skipped until their suspicion ends or they register again; and the
 * retry policy every call follows.
 */
final class WorkerRouter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WorkerRouter.class);
    private static final long REFRESH_AT_MOST_EVERY_NANOS = Duration.ofMillis(500).toNanos();

    private final MembershipSource source;
    private final HostAndPort coordinator;
    private final RpcFailures failures;
    private final RetryPolicy retryPolicy;
    private final Duration suspicion;
    private final int virtualNodes;
    private final ClientMetrics metrics;
    private final Consumer<String> workerGone;
    private final Map<String, Long> suspectedUntil = new ConcurrentHashMap<>();
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("cachet-client-membership", true));
    private volatile HashRing ring = HashRing.of(List.of(), 1);
    private Membership membership = Membership.getDefaultInstance();
    private boolean emptyListSeen;
    private volatile long lastFailureRefreshNanos;
    private volatile boolean storeUnreachable;

    /**
     * @param coordinator where the coordinator is, for messages about a membership call that failed
     * @param workerGone hears the id of each worker that left the membership, to drop what was kept for it
     */
    WorkerRouter(MembershipSource source, HostAndPort coordinator, RpcFailures failures, RetryPolicy retryPolicy, Duration suspicion, int virtualNodes,
            ClientMetrics metrics, Consumer<String> workerGone) {
        this.source = requireNonNull(source, "source is null");
        this.coordinator = requireNonNull(coordinator, "coordinator is null");
        this.failures = requireNonNull(failures, "failures is null");
        this.retryPolicy = requireNonNull(retryPolicy, "retryPolicy is null");
        this.suspicion = requireNonNull(suspicion, "suspicion is null");
        this.virtualNodes = virtualNodes;
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.workerGone = requireNonNull(workerGone, "workerGone is null");
    }

    /** Loads the membership now, then keeps it fresh every {@code interval} and whenever the store pushes a change. */
    void start(Duration interval) throws IOException {
        refresh();
        long millis = interval.toMillis();
        refresher.scheduleWithFixedDelay(this::refreshQuietly, millis, millis, TimeUnit.MILLISECONDS);
        // A change the store pushes is read on the refresh thread, once for any number that arrive meanwhile.
        source.onChange(new CoalescedRun(refresher, this::refreshQuietly)::request);
    }

    String describeStore() {
        return source.describe();
    }

    List<WorkerAddress> workers() {
        return ring.workers();
    }

    /** The worker that serves {@code path} now: its ring owner, or the next one while the owner does not answer. */
    WorkerAddress owner(String path) throws IOException {
        String normalized = CachetPaths.normalize(path);
        HashRing current = ring;
        return current.owner(normalized, worker -> !isSuspected(worker))
                .or(() -> current.owner(normalized))
                .orElseThrow(() -> new IOException("No workers are registered in " + source.describe()));
    }

    /** The attempts of one call. */
    RetryPolicy.Attempts attempts() {
        return retryPolicy.start();
    }

    /** The owner for the next of a call's attempts; while no worker is known, waits for one within the call's budget. */
    WorkerAddress owner(String path, RetryPolicy.Attempts attempts) throws IOException {
        while (true) {
            try {
                return owner(path);
            }
            catch (IOException e) {
                failed(attempts, e);
            }
        }
    }

    /**
     * {@code worker} did not answer one of a call's attempts: it is suspected for a while and the next
     * attempt goes to the next owner. Throws {@code failure} when the call's budget is spent.
     */
    void retry(RetryPolicy.Attempts attempts, WorkerAddress worker, IOException failure) throws IOException {
        log.info("Worker {} at {} did not answer ({}); trying the next owner", worker.id(), worker.host(), failure.getMessage());
        metrics.retries.increment();
        suspectedUntil.put(worker.id(), System.nanoTime() + suspicion.toNanos());
        // Many calls may fail at once: one membership refresh answers them all.
        long now = System.nanoTime();
        if (now - lastFailureRefreshNanos > REFRESH_AT_MOST_EVERY_NANOS) {
            lastFailureRefreshNanos = now;
            refreshQuietly();
        }
        failed(attempts, failure);
    }

    private void failed(RetryPolicy.Attempts attempts, IOException failure) throws IOException {
        if (attempts.failed(failure, ring.workers().size())) {
            refreshQuietly();
        }
    }

    /** Loads the membership now. */
    void refresh() throws IOException {
        Membership fetched;
        try {
            fetched = source.fetch();
        }
        catch (StatusRuntimeException e) {
            throw failures.explain(e, "coordinator", new InetSocketAddress(coordinator.getHost(), coordinator.getPort()));
        }
        List<String> gone = new ArrayList<>();
        synchronized (this) {
            // Compared by content: a restarted coordinator counts versions from the start again.
            if (fetched.getWorkersList().equals(membership.getWorkersList())) {
                return;
            }
            List<WorkerAddress> workers = new ArrayList<>(fetched.getWorkersList().stream().map(WorkerAddress::from).toList());
            if (workers.isEmpty() && !ring.workers().isEmpty()) {
                // A store that lists nobody (it lost its workers, or it is not the one that had them) is less likely than a
                // store problem: routing to nothing would fail every call, the workers known may well still serve.
                if (!emptyListSeen) {
                    emptyListSeen = true;
                    log.warn("{} lists no workers; going on with the {} known until it lists some", source.describe(), ring.workers().size());
                }
                return;
            }
            emptyListSeen = false;
            if (!fetched.getSettled()) {
                // A coordinator that just started is still gathering its workers: a worker it does not list yet is not gone.
                for (WorkerAddress known : ring.workers()) {
                    if (workers.stream().noneMatch(worker -> worker.id().equals(known.id()))) {
                        workers.add(known);
                    }
                }
            }
            HashRing previous = ring;
            // A worker that registered again (a restart: a new start time, maybe new ports) is worth trying again. Without
            // this, a rolling restart would leave every worker suspected, and calls with nowhere to go.
            fetched.getWorkersList().stream()
                    .filter(info -> !membership.getWorkersList().contains(info))
                    .forEach(info -> suspectedUntil.remove(info.getId()));
            ring = HashRing.of(workers, virtualNodes);
            membership = fetched;
            for (WorkerAddress left : previous.workers()) {
                if (!workers.contains(left)) {
                    suspectedUntil.remove(left.id());
                    gone.add(left.id());
                }
            }
            log.debug("Membership version {}: {} workers", fetched.getVersion(), workers.size());
        }
        gone.forEach(workerGone);
    }

    /** A refresh that cannot reach the store is said once; the client keeps the workers it knows meanwhile. */
    private void refreshQuietly() {
        try {
            refresh();
            if (storeUnreachable) {
                storeUnreachable = false;
                log.info("{} answers again; membership refreshed", source.describe());
            }
        }
        catch (IOException | RuntimeException e) {
            if (!storeUnreachable) {
                storeUnreachable = true;
                log.warn("Cannot refresh membership from {}: {}. Reads and writes go on with the {} workers known; "
                        + "workers that join meanwhile are not used, and workers that stop are skipped by retries", source.describe(), e.getMessage(), ring.workers().size());
            }
            else {
                log.debug("Still cannot refresh membership from {}: {}", source.describe(), e.getMessage());
            }
        }
    }

    private boolean isSuspected(WorkerAddress worker) {
        Long until = suspectedUntil.get(worker.id());
        if (until == null) {
            return false;
        }
        if (System.nanoTime() - until > 0) {
            suspectedUntil.remove(worker.id(), until);
            return false;
        }
        return true;
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        source.close();
    }
}
