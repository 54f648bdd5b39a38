package io.cachet.coordinator;

import io.cachet.rpc.proto.Membership;
import io.cachet.rpc.proto.WorkerInfo;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/** The workers the coordinator knows, when each was last heard from, and who watches for changes. */
final class MembershipRegistry {
    private static final Logger log = LoggerFactory.getLogger(MembershipRegistry.class);

    private record Member(WorkerInfo info, long lastSeenNanos) {}

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

    synchronized long register(WorkerInfo worker) {
        Member previous = members.put(worker.getId(), new Member(worker, nanoClock.getAsLong()));
        if (previous == null || !previous.info().equals(worker)) {
            log.info("Worker {} registered at {} (rpc {}, data {}, dc {}, rack {}, tls {})", worker.getId(), worker.getHost(),
                    worker.getRpcPort(), worker.getDataPort(), worker.getDc(), worker.getRack(), worker.getTls());
            changed();
        }
        return version;
    }

    synchronized long version() {
        return version;
    }

    /** False when the worker is unknown, so it registers again. */
    synchronized boolean heartbeat(String workerId) {
        Member member = members.get(workerId);
        if (member == null) {
            return false;
        }
        members.put(workerId, new Member(member.info(), nanoClock.getAsLong()));
        return true;
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
