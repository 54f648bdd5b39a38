package io.cachet.coordinator;

import io.cachet.conf.CachetKeys;
import io.cachet.rpc.proto.CoordinatorServiceGrpc;
import io.cachet.rpc.proto.GetMembershipRequest;
import io.cachet.rpc.proto.HeartbeatRequest;
import io.cachet.rpc.proto.HeartbeatResponse;
import io.cachet.rpc.proto.JobRequest;
import io.cachet.rpc.proto.JobStatus;
import io.cachet.rpc.proto.Membership;
import io.cachet.rpc.proto.RegisterWorkerRequest;
import io.cachet.rpc.proto.RegisterWorkerResponse;
import io.cachet.rpc.proto.WorkerInfo;
import io.cachet.server.InternodePeers;
import io.cachet.server.ProvenNode;
import io.cachet.server.RefusalLog;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.util.Optional;

/** The coordinator's gRPC face: registration, heartbeats, the membership list, and load and free jobs. */
final class CoordinatorService extends CoordinatorServiceGrpc.CoordinatorServiceImplBase {
    private static final int MAX_FIELD = 255;

    private final RefusalLog refusals = new RefusalLog(CoordinatorService.class);
    private final MembershipRegistry registry;
    private final MembershipView view;
    private final CacheJobs jobs;
    private final InternodePeers peers;

    /** {@code view} is {@code registry} when workers register here, or what etcd holds when they register there. */
    CoordinatorService(MembershipRegistry registry, MembershipView view, CacheJobs jobs, InternodePeers peers) {
        this.registry = registry;
        this.view = view;
        this.jobs = jobs;
        this.peers = peers;
    }

    @Override
    public void load(JobRequest request, StreamObserver<JobStatus> response) {
        jobs.start(CacheJobs.Kind.LOAD, request.getPath(), (ServerCallStreamObserver<JobStatus>) response);
    }

    @Override
    public void free(JobRequest request, StreamObserver<JobStatus> response) {
        jobs.start(CacheJobs.Kind.FREE, request.getPath(), (ServerCallStreamObserver<JobStatus>) response);
    }

    @Override
    public void registerWorker(RegisterWorkerRequest request, StreamObserver<RegisterWorkerResponse> response) {
        WorkerInfo worker = request.getWorker();
        if (worker.getId().isEmpty() || worker.getHost().isEmpty() || worker.getId().length() > MAX_FIELD || worker.getHost().length() > MAX_FIELD
                || worker.getDc().length() > MAX_FIELD || worker.getRack().length() > MAX_FIELD) {
            response.onError(Status.INVALID_ARGUMENT.withDescription("A worker registers with an id and a host, each field at most %d characters".formatted(MAX_FIELD))
                    .asRuntimeException());
            return;
        }
        // InboundCalls lets only proven nodes call this method.
        ProvenNode caller = ProvenNode.current().orElseThrow();
        if (refuseWhenMembershipIsElsewhere(caller, response)) {
            return;
        }
        Optional<String> refusal = registry.register(worker, caller);
        if (refusal.isPresent()) {
            peers.refused(caller);
            refusals.warn(caller.address(), "Coordinator refused a registration: " + refusal.get());
            response.onError(Status.PERMISSION_DENIED.withDescription(refusal.get()).asRuntimeException());
            return;
        }
        response.onNext(RegisterWorkerResponse.newBuilder().setMembershipVersion(registry.version()).build());
        response.onCompleted();
    }

    @Override
    public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> response) {
        ProvenNode caller = ProvenNode.current().orElseThrow();
        if (refuseWhenMembershipIsElsewhere(caller, response)) {
            return;
        }
        MembershipRegistry.Heartbeat outcome = registry.heartbeat(request.getWorkerId(), caller);
        if (outcome == MembershipRegistry.Heartbeat.NOT_OWNER) {
            String message = ("worker id %s is registered by another node; %s may not keep it alive. Fix: give each worker its own cache directory "
                    + "(the id lives there), or stop the other node that uses this id").formatted(request.getWorkerId(), caller);
            peers.refused(caller);
            refusals.warn(caller.address(), "Coordinator refused a heartbeat: " + message);
            response.onError(Status.PERMISSION_DENIED.withDescription(message).asRuntimeException());
            return;
        }
        response.onNext(HeartbeatResponse.newBuilder()
                .setRegistered(outcome == MembershipRegistry.Heartbeat.REFRESHED)
                .setMembershipVersion(registry.version())
                .build());
        response.onCompleted();
    }

    /** A worker that registers here while the cluster keeps membership in etcd is misconfigured: say so rather than list it nowhere. */
    private boolean refuseWhenMembershipIsElsewhere(ProvenNode caller, StreamObserver<?> response) {
        if (view == registry) {
            return false;
        }
        String message = "This coordinator does not keep membership: the cluster keeps it in etcd. Fix: set %s=etcd and the %s keys on the worker"
                .formatted(CachetKeys.MEMBERSHIP_STORE.name(), CachetKeys.PREFIX + "etcd.*");
        refusals.warn(caller.address(), "Coordinator refused a registration or heartbeat from " + caller + ": " + message);
        response.onError(Status.FAILED_PRECONDITION.withDescription(message).asRuntimeException());
        return true;
    }

    @Override
    public void getMembership(GetMembershipRequest request, StreamObserver<Membership> response) {
        response.onNext(view.snapshot());
        response.onCompleted();
    }

    @Override
    public void watchMembership(GetMembershipRequest request, StreamObserver<Membership> response) {
        if (view != registry) {
            response.onError(Status.FAILED_PRECONDITION.withDescription("This cluster keeps membership in etcd: watch it there").asRuntimeException());
            return;
        }
        ((ServerCallStreamObserver<Membership>) response).setOnCancelHandler(() -> registry.unwatch(response));
        registry.watch(response);
    }
}
