package io.cachet.coordinator;

import io.cachet.membership.CoalescedRun;
import io.cachet.membership.EtcdMembership;
import io.cachet.rpc.proto.Membership;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Membership as etcd holds it, for a coordinator whose workers register in etcd: read at start, again
 * on every change etcd reports, and on a schedule in case a watch was lost. The coordinator serves it to
 * clients that ask it rather than etcd, and routes load and free jobs by it.
 */
final class EtcdMembershipView implements MembershipView {
    private static final Logger log = LoggerFactory.getLogger(EtcdMembershipView.class);

    private final EtcdMembership etcd;
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("cachet-coordinator-etcd", true));
    private volatile Membership current = Membership.getDefaultInstance();
    private volatile boolean warned;

    EtcdMembershipView(EtcdMembership etcd, Duration refreshInterval) {
        this.etcd = etcd;
        refresh();
        refresher.scheduleWithFixedDelay(this::refresh, refreshInterval.toMillis(), refreshInterval.toMillis(), TimeUnit.MILLISECONDS);
        etcd.onChange(new CoalescedRun(refresher, this::refresh)::request);
    }

    @Override
    public Membership snapshot() {
        return current;
    }

    private void refresh() {
        try {
            current = etcd.fetch();
            if (warned) {
                warned = false;
                log.info("{} answers again: {} workers", etcd.describe(), current.getWorkersCount());
            }
        }
        catch (IOException | RuntimeException e) {
            if (!warned) {
                warned = true;
                log.warn("Coordinator cannot read membership from {}: {}; serving the last list read ({} workers)", etcd.describe(), e.getMessage(),
                        current.getWorkersCount());
            }
        }
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        etcd.close();
    }
}
