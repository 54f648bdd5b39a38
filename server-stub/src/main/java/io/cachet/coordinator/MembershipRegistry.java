package io.cachet.coordinator;

import io.cachet.rpc.proto.Membership;
import io.cachet.rpc.proto.WorkerInfo;
import io.cachet.server.ProvenNode;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The workers the coordinator knows, when each was last heard from, and who watches for changes. A
 * worker id belongs to the node that registered it while the entry lives: another node (another
 * certificate, or another address) can neither take it over nor keep it alive with heartbeats.
 */
final class MembershipRegistry implements MembershipView {
    private static final Logger log = LoggerFactory.getLogger(MembershipRegistry.class);

    private record Member(WorkerInfo info, ProvenNode owner, long lastSeenNanos) {}

    enum Heartbeat {
        REFRESHED,
        /** Not registered (the coordinator restarted, or expired it): register again. */
        UNKNOWN,
        /** The id is registered by another node. */
        NOT_OWNER,
    }

    private final Duration timeout;
    private final Duration checkInterval;
    private final LongSupplier nanoClock;
    private final Map<String, Member> members = new LinkedHashMap<>();
    private final List<StreamObserver<Membership>> watchers = new ArrayList<>();
    private final long startNanos;
    private long version;
    private long lastCheckNanos;
    /** Whether every worker already had one grace period for looking late all at once, with no heartbeat since. */
    private boolean graceSpent;

    /** {@code checkInterval} is how often {@link #expireSilentWorkers} is meant to run; a check much later than that means this process stalled. */
    MembershipRegistry(Duration timeout, Duration checkInterval, LongSupplier nanoClock) {
        this.timeout = timeout;
        this.checkInterval = checkInterval;
        this.nanoClock = nanoClock;
        this.startNanos = nanoClock.getAsLong();
        this.lastCheckNanos = startNanos;
    }

    /** Registers {@code worker} for {@code caller}; empty when done, else why it was refused (the id is another node's). */
    synchronized Optional<String> register(WorkerInfo worker, ProvenNode caller) {
        Member current = members.get(worker.getId());
        if (current != null && !caller.mayActFor(current.owner())) {
            return Optional.of("worker id %s is registered by %s; %s may not take it over. Fix: give each worker its own cache directory (the id lives there); "
                    .formatted(worker.getId(), current.owner(), caller)
                    + "a worker that moved to another address registers again once its old entry expires");
        }
        Member previous = members.put(worker.getId(), new Member(worker, caller, nanoClock.getAsLong()));
        if (previous == null || !previous.info().equals(worker)) {
            log.info("Worker {} registered at {} (rpc {}, data {}, dc {}, rack {}, tls {})", worker.getId(), worker.getHost(),
                    worker.getRpcPort(), worker.getDataPort(), worker.getDc(), worker.getRack(), worker.getTls());
            changed();
        }
        return Optional.empty();
    }

    synchronized long version() {
        return version;
    }

    /** Refreshes the entry of {@code workerId} when {@code caller} owns it. */
    synchronized Heartbeat heartbeat(String workerId, ProvenNode caller) {
        Member member = members.get(workerId);
        if (member == null) {
            return Heartbeat.UNKNOWN;
        }
        if (!caller.mayActFor(member.owner())) {
            return Heartbeat.NOT_OWNER;
        }
        members.put(workerId, new Member(member.info(), member.owner(), nanoClock.getAsLong()));
        graceSpent = false;
        return Heartbeat.REFRESHED;
    }

    /**
     * Removes workers silent for longer than the timeout, unless the silence is more likely this
     * coordinator's own: when the check itself runs late (a GC pause, a starved CPU, a stopped process)
     * or when every worker looks late at once, each worker gets a full timeout more. A coordinator that
     * expired its whole cluster for its own stall would send every client to nothing.
     */
    synchronized void expireSilentWorkers() {
        long now = nanoClock.getAsLong();
        long sinceLastCheck = now - lastCheckNanos;
        lastCheckNanos = now;
        if (members.isEmpty()) {
            return;
        }
        long lateBy = sinceLastCheck - checkInterval.toNanos();
        if (lateBy > Math.max(checkInterval.toNanos(), timeout.toNanos() / 4)) {
            log.warn("The coordinator's expiry check ran {} ms late: this coordinator stalled (GC pause, CPU starvation, stopped process), "
                    + "so the workers' silence is its own; every worker gets {} more before it can expire", TimeUnit.NANOSECONDS.toMillis(lateBy), timeout);
            refreshAll(now);
            return;
        }
        List<Member> silent = members.values().stream().filter(member -> now - member.lastSeenNanos() > timeout.toNanos()).toList();
        if (silent.isEmpty()) {
            return;
        }
        if (silent.size() == members.size() && members.size() > 1 && !graceSpent) {
            log.warn("All {} workers sent no heartbeat for {} at once: more likely this coordinator (or its network) than every worker; "
                    + "each gets {} more before it expires", members.size(), timeout, timeout);
            graceSpent = true;
            refreshAll(now);
            return;
        }
        for (Member member : silent) {
            log.warn("Worker {} at {} sent no heartbeat for {}: removed from membership", member.info().getId(), member.info().getHost(), timeout);
            members.remove(member.info().getId());
        }
        changed();
    }

    private void refreshAll(long now) {
        members.replaceAll((id, member) -> new Member(member.info(), member.owner(), now));
    }

    @Override
    public synchronized Membership snapshot() {
        return Membership.newBuilder()
                .setVersion(version)
                .addAllWorkers(members.values().stream().map(Member::info).toList())
                // Every live worker beats within the timeout: after that long, the list is whole.
                .setSettled(nanoClock.getAsLong() - startNanos > timeout.toNanos())
                .build();
    }

    synchronized void watch(StreamObserver<Membership> watcher) {
        watcher.onNext(snapshot());
        watchers.add(watcher);
    }

    synchronized void unwatch(StreamObserver<Membership> watcher) {
        watchers.remove(watcher);
    }

    @Override
    public synchronized void close() {
        watchers.forEach(StreamObserver::onCompleted);
        watchers.clear();
    }

    private void changed() {
        version++;
        Membership snapshot = snapshot();
        for (Iterator<StreamObserver<Membership>> iterator = watchers.iterator(); iterator.hasNext(); ) {
            try {
                iterator.next().onNext(snapshot);
            }
            catch (RuntimeException e) {
                iterator.remove();
            }
        }
    }
}
