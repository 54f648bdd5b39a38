package io.cachet.worker;

import io.cachet.rpc.GrpcChannels;
import io.cachet.rpc.proto.CoordinatorServiceGrpc;
import io.cachet.rpc.proto.HeartbeatRequest;
import io.cachet.rpc.proto.RegisterWorkerRequest;
import io.cachet.rpc.proto.WorkerInfo;
import io.cachet.tls.TlsContexts;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The worker's side of membership: registers, heartbeats, and registers again whenever the
 * coordinator does not know it (the coordinator restarted, or expired it while it was unreachable).
 */
final class CoordinatorLink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorLink.class);

    private final WorkerInfo self;
    private final ManagedChannel channel;
    private final ScheduledExecutorService scheduler;
    private final Duration interval;
    private final String coordinator;
    private volatile boolean registered;
    private volatile boolean warned;

    CoordinatorLink(WorkerInfo self, String host, int port, Optional<TlsContexts> tls, Duration interval) {
        this.self = self;
        this.interval = interval;
        this.coordinator = host + ":" + port;
        this.channel = GrpcChannels.open(host, port, tls);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("cachet-worker-heartbeat", true));
    }

    void start() {
        scheduler.scheduleWithFixedDelay(this::beat, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean isRegistered() {
        return registered;
    }

    private void beat() {
        CoordinatorServiceGrpc.CoordinatorServiceBlockingStub stub = CoordinatorServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(Math.max(3000, interval.toMillis() * 2), TimeUnit.MILLISECONDS);
        try {
            if (!registered || !stub.heartbeat(HeartbeatRequest.newBuilder().setWorkerId(self.getId()).build()).getRegistered()) {
                stub.registerWorker(RegisterWorkerRequest.newBuilder().setWorker(self).build());
                if (!registered || warned) {
                    log.info("Worker {} registered with the coordinator at {}", self.getId(), coordinator);
                }
                registered = true;
            }
            warned = false;
        }
        catch (StatusRuntimeException e) {
            registered = false;
            if (!warned) {
                warned = true;
                log.warn("Worker {} cannot reach the coordinator at {}: {} (will keep trying)", self.getId(), coordinator, e.getStatus());
            }
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        GrpcChannels.close(channel);
    }
}
