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
import java.util.concurrent.RejectedExecutionException;
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
    private static final int MAX_WORKERS = 10_000;
    /** A worker entry is well under 1 KiB; anything much larger is not one. */
    private static final int MAX_ENTRY_BYTES = 4096;

    private final EtcdClient etcd;
    private final boolean ownsClient;
    private final ScheduledExecutorService rewatch = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("cachet-etcd-watch", true));
    private volatile Runnable listener;
    private EtcdClient.Watch watch;
    private volatile long revision;
    private boolean closed;
    private boolean badEntryLogged;

    /** {@code ownsClient}: whether closing this source closes {@code etcd} too. */
    public EtcdMembership(EtcdClient etcd, boolean ownsClient) {
        this.etcd = etcd;
        this.ownsClient = ownsClient;
    }

    @Override
    public Membership fetch() throws IOException {
        String prefix = etcd.settings().workersPrefix();
        RangeResponse response = etcd.rangePrefix(prefix, MAX_WORKERS);
        if (response.getMore()) {
            logBadEntry(prefix, "more than %d keys; the first %d are used".formatted(MAX_WORKERS, MAX_WORKERS));
        }
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
        synchronized (this) {
            closed = true;
            if (watch != null) {
                watch.cancel();
            }
        }
        rewatch.shutdownNow();
        if (ownsClient) {
            etcd.close();
        }
    }

    Membership parse(String prefix, List<KeyValue> entries, long version) {
        Membership.Builder membership = Membership.newBuilder().setVersion(version).setSettled(true);
        entries.stream().limit(MAX_WORKERS).sorted(Comparator.comparing(entry -> entry.getKey().toStringUtf8())).forEach(entry -> {
            String key = entry.getKey().toString(StandardCharsets.UTF_8);
            try {
                if (entry.getValue().size() > MAX_ENTRY_BYTES) {
                    throw new InvalidProtocolBufferException("%d bytes, more than a worker entry's %d".formatted(entry.getValue().size(), MAX_ENTRY_BYTES));
                }
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

    /** Watches from just after the last read, or from now when nothing was read yet (revision 0 would replay etcd's whole history). */
    private synchronized void startWatch() {
        if (closed) {
            return;
        }
        long from = revision == 0 ? 0 : revision + 1;
        try {
            watch = etcd.watchPrefix(etcd.settings().workersPrefix(), from, observer());
        }
        catch (IOException e) {
            log.debug("Cannot watch {}: {}", etcd.describe(), e.getMessage());
        }
    }

    private StreamObserver<WatchResponse> observer() {
        return new StreamObserver<>() {
            @Override
            public void onNext(WatchResponse response) {
                if (!response.getEventsList().isEmpty() || response.getCanceled()) {
                    notifyListener();
                }
                if (response.getCanceled()) {
                    // Compacted past our revision, or refused: watch again from now, then read the list in full.
                    revision = 0;
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
        };
    }

    private void notifyListener() {
        Runnable current = listener;
        if (current != null) {
            current.run();
        }
    }

    private void rewatchLater() {
        synchronized (this) {
            if (closed) {
                return;
            }
            if (watch != null) {
                watch.cancel();
            }
        }
        try {
            // Watch first, then read in full: a change after the read is then reported, not lost.
            rewatch.schedule(() -> {
                startWatch();
                notifyListener();
            }, 1, TimeUnit.SECONDS);
        }
        catch (RejectedExecutionException closing) {
            // closed meanwhile
        }
    }
}
