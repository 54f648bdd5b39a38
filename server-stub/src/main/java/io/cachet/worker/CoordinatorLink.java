package io.cachet.worker;

import io.cachet.rpc.GrpcChannels;
import io.cachet.rpc.proto.CoordinatorServiceGrpc;
import io.cachet.rpc.proto.GetMembershipRequest;
import io.cachet.rpc.proto.HeartbeatRequest;
import io.cachet.rpc.proto.HeartbeatResponse;
import io.cachet.rpc.proto.Membership;
import io.cachet.rpc.proto.RegisterWorkerRequest;
import io.cachet.rpc.proto.WorkerInfo;
import io.cachet.tls.TlsContexts;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
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
import java.util.function.Consumer;

/**
 * The worker's side of membership: registers, heartbeats, and registers again whenever the
 * coordinator does not know it (the coordinator restarted, or expired it while it was unreachable).
 */
final class CoordinatorLink implements MembershipLink {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorLink.class);

    private final WorkerInfo self;
    private final ManagedChannel channel;
    private final Channel identified;
    private final Consumer<Membership> membershipListener;
    private final ScheduledExecutorService scheduler;
    private final Duration interval;
    private final String coordinator;
    private volatile boolean registered;
    private volatile boolean warned;
    private long membershipVersion = -1;

    /** {@code credentials} prove to the coordinator that this is a node; {@code membershipListener} hears every membership list that differs from the one before, from the heartbeat thread. */
    CoordinatorLink(WorkerInfo self, ClientInterceptor credentials, ClientInterceptor outbound, String host, int port, Optional<TlsContexts> tls,
            Duration interval, Consumer<Membership> membershipListener) {
        this.self = self;
        this.membershipListener = membershipListener;
        this.interval = interval;
        this.coordinator = host + ":" + port;
        this.channel = GrpcChannels.open(host, port, tls);
        this.identified = ClientInterceptors.intercept(channel, credentials, outbound);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("cachet-worker-heartbeat", true));
    }

    @Override
    public void start() {
        scheduler.scheduleWithFixedDelay(this::beat, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean isRegistered() {
        return registered;
    }

    private void beat() {
        CoordinatorServiceGrpc.CoordinatorServiceBlockingStub stub = CoordinatorServiceGrpc.newBlockingStub(identified)
                .withDeadlineAfter(Math.max(3000, interval.toMillis() * 2), TimeUnit.MILLISECONDS);
        try {
            long version = -1;
            if (registered) {
                HeartbeatResponse response = stub.heartbeat(HeartbeatRequest.newBuilder().setWorkerId(self.getId()).build());
                registered = response.getRegistered();
                version = response.getMembershipVersion();
            }
            if (!registered) {
                version = stub.registerWorker(RegisterWorkerRequest.newBuilder().setWorker(self).build()).getMembershipVersion();
                if (!registered || warned) {
                    log.info("Worker {} registered with the coordinator at {}", self.getId(), coordinator);
                }
                registered = true;
            }
            warned = false;
            if (version != membershipVersion) {
                membershipListener.accept(stub.getMembership(GetMembershipRequest.getDefaultInstance()));
                membershipVersion = version;
            }
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
