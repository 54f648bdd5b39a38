package io.cachet.membership;

import com.google.protobuf.InvalidProtocolBufferException;
import io.cachet.etcd.EtcdClient;
import io.cachet.etcd.proto.KeyValue;
import io.cachet.etcd.proto.RangeResponse;
import io.cachet.etcd.proto.WatchResponse;
import io.cachet.rpc.proto.Membership;
import io.cachet.rpc.proto.WorkerInfo;
import io.grpc.stub.StreamObserver;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The list as workers keep it in etcd: one key per worker under {@code <namespace>/workers/}, each held
 * by the worker's lease, so a worker that stops renewing leaves by itself. No coordinator is involved.
 * Entries that do not parse, or whose key does not match the worker id inside, are skipped: whoever
 * may write under the prefix is trusted (etcd's permissions decide who that is), but a bad entry must
 * not stop every client.
 */
public final class EtcdMembership implements MembershipSource {
    private static final Logger log = LoggerFactory.getLogger(EtcdMembership.class);
    private static final int MAX_WORKERS = 100_000;

    private final EtcdClient etcd;
    private final boolean ownsClient;
    private final ScheduledExecutorService rewatch = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("cachet-etcd-watch", true));
    private volatile Runnable listener;
    private volatile EtcdClient.Watch watch;
    private volatile long revision;
    private volatile boolean closed;
    private boolean badEntryLogged;

    /** {@code ownsClient}: whether closing this source closes {@code etcd} too. */
    public EtcdMembership(EtcdClient etcd, boolean ownsClient) {
        this.etcd = etcd;
        this.ownsClient = ownsClient;
    }

    @Override
    public Membership fetch() throws IOException {
        String prefix = etcd.settings().workersPrefix();
        RangeResponse response = etcd.rangePrefix(prefix);
        revision = response.getHeader().getRevision();
        return parse(prefix, response.getKvsList(), revision);
    }

    @Override
    public synchronized void onChange(Runnable listener) {
        this.listener = listener;
        startWatch();
    }

    @Override
    public String describe() {
        return etcd.describe();
    }

    @Override
    public void close() {
        closed = true;
        rewatch.shutdownNow();
        EtcdClient.Watch running = watch;
        if (running != null) {
            running.cancel();
        }
        if (ownsClient) {
            etcd.close();
        }
    }

    Membership parse(String prefix, List<KeyValue> entries, long version) {
        Membership.Builder membership = Membership.newBuilder().setVersion(version).setSettled(true);
        entries.stream().limit(MAX_WORKERS).sorted(Comparator.comparing(entry -> entry.getKey().toStringUtf8())).forEach(entry -> {
            String key = entry.getKey().toString(StandardCharsets.UTF_8);
            try {
                WorkerInfo worker = WorkerInfo.parseFrom(entry.getValue());
                if (!key.equals(prefix + worker.getId()) || worker.getHost().isEmpty()) {
                    throw new InvalidProtocolBufferException("the entry names worker '%s' at '%s'".formatted(worker.getId(), worker.getHost()));
                }
                membership.addWorkers(worker);
            }
            catch (InvalidProtocolBufferException e) {
                logBadEntry(key, e.getMessage());
            }
        });
        return membership.build();
    }

    private synchronized void logBadEntry(String key, String why) {
        if (!badEntryLogged) {
            badEntryLogged = true;
            log.warn("Skipping etcd key {}: not a Cachet worker entry ({}). Fix: keep only workers under {} in {}", key, why,
                    etcd.settings().workersPrefix(), etcd.describe());
        }
    }

    private void startWatch() {
        if (closed) {
            return;
        }
        watch = etcd.watchPrefix(etcd.settings().workersPrefix(), revision + 1, new StreamObserver<>() {
            @Override
            public void onNext(WatchResponse response) {
                if (!response.getEventsList().isEmpty() || response.getCanceled()) {
                    notifyListener();
                }
                if (response.getCanceled()) {
                    // Compacted past our revision, or refused: start again from what a fresh read sees.
                    rewatchLater();
                }
            }

            @Override
            public void onError(Throwable failure) {
                log.debug("Watch of {} ended: {}", etcd.describe(), failure.toString());
                rewatchLater();
            }

            @Override
            public void onCompleted() {
                rewatchLater();
            }
        });
    }

    private void notifyListener() {
        Runnable current = listener;
        if (current != null) {
            current.run();
        }
    }

    private void rewatchLater() {
        if (closed) {
            return;
        }
        EtcdClient.Watch running = watch;
        if (running != null) {
            running.cancel();
        }
        try {
            // The scheduled refresh covers the gap; a changed list is read in full before watching again.
            rewatch.schedule(() -> {
                notifyListener();
                startWatch();
            }, 1, TimeUnit.SECONDS);
        }
        catch (java.util.concurrent.RejectedExecutionException closing) {
            // closed meanwhile
        }
    }
}
