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
import java.util.function.LongSupplier;

/**
 * The workers the coordinator knows, when each was last heard from, and who watches for changes. A
 * worker id belongs to the node that registered it while the entry lives: another node (another
 * certificate, or another address) can neither take it over nor keep it alive with heartbeats.
 */
final class MembershipRegistry {
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
    private final LongSupplier nanoClock;
    private final Map<String, Member> members = new LinkedHashMap<>();
    private final List<StreamObserver<Membership>> watchers = new ArrayList<>();
    private final long startNanos;
    private long version;

    MembershipRegistry(Duration timeout, LongSupplier nanoClock) {
        this.timeout = timeout;
        this.nanoClock = nanoClock;
        this.startNanos = nanoClock.getAsLong();
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
        return Heartbeat.REFRESHED;
    }

    synchronized void expireSilentWorkers() {
        long now = nanoClock.getAsLong();
        boolean removed = false;
        for (Iterator<Member> iterator = members.values().iterator(); iterator.hasNext(); ) {
            Member member = iterator.next();
            if (now - member.lastSeenNanos() > timeout.toNanos()) {
                log.warn("Worker {} at {} sent no heartbeat for {}: removed from membership", member.info().getId(), member.info().getHost(), timeout);
                iterator.remove();
                removed = true;
            }
        }
        if (removed) {
            changed();
        }
    }

    synchronized Membership snapshot() {
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

    synchronized void closeWatchers() {
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
