package io.cachet.worker;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.cachet.conf.CachetKeys;
import io.cachet.conf.ConfigException;
import io.cachet.etcd.EtcdClient;
import io.cachet.etcd.proto.Compare;
import io.cachet.etcd.proto.KeyValue;
import io.cachet.etcd.proto.PutRequest;
import io.cachet.etcd.proto.RequestOp;
import io.cachet.etcd.proto.TxnRequest;
import io.cachet.membership.CoalescedRun;
import io.cachet.membership.EtcdMembership;
import io.cachet.rpc.proto.Membership;
import io.cachet.rpc.proto.WorkerInfo;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The worker's side of membership in etcd: its entry ({@code <namespace>/workers/<id>}, the same
 * {@link WorkerInfo} the coordinator would list) lives under a lease that every heartbeat renews. When
 * the worker stops renewing (killed, cut off, starved past the lease), etcd deletes the entry and every
 * reader sees it go; a graceful stop revokes the lease, so the worker leaves at once.
 *
 * <p>An id belongs to the node that holds it: the entry is created only if absent, and taken over only
 * from an entry with this worker's own host and ports (this worker, restarted before its old lease ran
 * out). Any other holder keeps it until its lease expires, and this worker says so and waits.
 */
final class EtcdLink implements MembershipLink {
    private static final Logger log = LoggerFactory.getLogger(EtcdLink.class);

    private final WorkerInfo self;
    private final EtcdClient etcd;
    private final EtcdMembership membership;
    private final Consumer<Membership> membershipListener;
    private final Duration interval;
    private final String key;
    private final ScheduledExecutorService scheduler;
    /** Reads the list when etcd reports a change, so a burst of changes never delays the lease's renewal. */
    private final ExecutorService reader;
    private volatile boolean registered;
    private volatile boolean closed;
    private volatile long lease;
    private boolean warned;
    private Membership last = Membership.getDefaultInstance();

    EtcdLink(WorkerInfo self, EtcdClient etcd, Duration interval, Consumer<Membership> membershipListener) {
        Duration ttl = etcd.settings().leaseTtl();
        if (ttl.compareTo(interval.multipliedBy(3)) < 0) {
            etcd.close();
            throw new ConfigException("%s (%s) must be at least three times %s (%s), or one late renewal drops a live worker. Fix: raise the first or lower the second"
                    .formatted(CachetKeys.ETCD_LEASE_TTL.name(), ttl, CachetKeys.WORKER_HEARTBEAT_INTERVAL.name(), interval));
        }
        this.self = self;
        this.etcd = etcd;
        this.membership = new EtcdMembership(etcd, false);
        this.membershipListener = membershipListener;
        this.interval = interval;
        this.key = etcd.settings().workersPrefix() + self.getId();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("cachet-worker-etcd-lease", true));
        this.reader = Executors.newSingleThreadExecutor(new DefaultThreadFactory("cachet-worker-etcd-membership", true));
    }

    @Override
    public void start() {
        scheduler.scheduleWithFixedDelay(this::beat, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        membership.onChange(new CoalescedRun(reader, this::readMembership)::request);
    }

    @Override
    public boolean isRegistered() {
        return registered;
    }

    private void beat() {
        if (closed) {
            return;
        }
        try {
            if (lease != 0 && etcd.keepAlive(lease) <= 0) {
                log.warn("Worker {}: its etcd lease expired (it could not renew it for {}); registering again", self.getId(), etcd.settings().leaseTtl());
                lease = 0;
                registered = false;
            }
            if (lease == 0) {
                // etcd counts whole seconds: round up, never below the configured life.
                lease = etcd.grantLease(Math.max(1, (etcd.settings().leaseTtl().toMillis() + 999) / 1000));
            }
            Optional<KeyValue> entry = etcd.get(key);
            // Already ours (also when a claim went through but its answer was lost), or claimed now.
            registered = entry.isPresent() && entry.get().getLease() == lease || claim(entry);
            warned = false;
            readMembership();
        }
        catch (IOException | RuntimeException e) {
            if (!warned) {
                warned = true;
                log.warn("Worker {} cannot renew its membership in {}: {} (will keep trying)", self.getId(), etcd.describe(), e.getMessage());
            }
        }
    }

    /** Creates the entry, or takes over this worker's own stale one; false when another node holds the id. */
    private boolean claim(Optional<KeyValue> existing) throws IOException {
        ByteString name = ByteString.copyFrom(key, StandardCharsets.UTF_8);
        Compare unchanged = existing
                .map(entry -> Compare.newBuilder().setKey(name).setTarget(Compare.CompareTarget.MOD).setResult(Compare.CompareResult.EQUAL)
                        .setModRevision(entry.getModRevision()).build())
                .orElse(Compare.newBuilder().setKey(name).setTarget(Compare.CompareTarget.CREATE).setResult(Compare.CompareResult.EQUAL)
                        .setCreateRevision(0).build());
        if (existing.isPresent() && !isSelf(existing.get())) {
            log.warn("Worker {}: id {} is held in {} by another node ({}); waiting for that entry's lease to expire. Fix: give each worker its own cache directory",
                    self.getId(), self.getId(), etcd.describe(), describe(existing.get()));
            return false;
        }
        boolean created = etcd.txn(TxnRequest.newBuilder()
                .addCompare(unchanged)
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(name).setValue(self.toByteString()).setLease(lease)))
                .build(), "register worker " + self.getId()).getSucceeded();
        if (created) {
            log.info("Worker {} registered in {} under {}", self.getId(), etcd.describe(), key);
        }
        return created;
    }

    private boolean isSelf(KeyValue entry) {
        try {
            WorkerInfo holder = WorkerInfo.parseFrom(entry.getValue());
            return holder.getId().equals(self.getId()) && holder.getHost().equals(self.getHost())
                    && holder.getRpcPort() == self.getRpcPort() && holder.getDataPort() == self.getDataPort();
        }
        catch (InvalidProtocolBufferException e) {
            return false;
        }
    }

    private static String describe(KeyValue entry) {
        try {
            WorkerInfo holder = WorkerInfo.parseFrom(entry.getValue());
            return "%s rpc %d, data %d".formatted(holder.getHost(), holder.getRpcPort(), holder.getDataPort());
        }
        catch (InvalidProtocolBufferException e) {
            return "an entry that is not a worker";
        }
    }

    private synchronized void readMembership() {
        try {
            Membership current = membership.fetch();
            if (!current.getWorkersList().equals(last.getWorkersList())) {
                last = current;
                membershipListener.accept(current);
            }
        }
        catch (IOException | RuntimeException e) {
            log.debug("Worker {} cannot read membership from {}: {}", self.getId(), etcd.describe(), e.getMessage());
        }
    }

    @Override
    public void close() {
        closed = true;
        membership.close();
        reader.shutdownNow();
        scheduler.shutdownNow();
        try {
            // A beat in progress may still grant a lease: wait for it, so the lease revoked below is the last one.
            scheduler.awaitTermination(etcd.settings().timeout().multipliedBy(3).toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (lease != 0) {
            try {
                etcd.revokeLease(lease);
            }
            catch (IOException | RuntimeException e) {
                log.info("Worker {} could not revoke its etcd lease ({}); its entry goes when the lease expires", self.getId(), e.getMessage());
            }
        }
        etcd.close();
    }
}
