package io.cachet.coordinator;

import io.cachet.rpc.proto.CoordinatorServiceGrpc;
import io.cachet.rpc.proto.GetMembershipRequest;
import io.cachet.rpc.proto.HeartbeatRequest;
import io.cachet.rpc.proto.HeartbeatResponse;
import io.cachet.rpc.proto.JobRequest;
import io.cachet.rpc.proto.JobStatus;
import io.cachet.rpc.proto.Membership;
import io.cachet.rpc.proto.RegisterWorkerRequest;
import io.cachet.rpc.proto.RegisterWorkerResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/** The coordinator's gRPC face: registration, heartbeats, the membership list, and load and free jobs. */
final class CoordinatorService extends CoordinatorServiceGrpc.CoordinatorServiceImplBase {
    private final MembershipRegistry registry;
    private final CacheJobs jobs;

    CoordinatorService(MembershipRegistry registry, CacheJobs jobs) {
        this.registry = registry;
        this.jobs = jobs;
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
        if (request.getWorker().getId().isEmpty() || request.getWorker().getHost().isEmpty()) {
            response.onError(Status.INVALID_ARGUMENT.withDescription("A worker registers with an id and a host").asRuntimeException());
            return;
        }
        long version = registry.register(request.getWorker());
        response.onNext(RegisterWorkerResponse.newBuilder().setMembershipVersion(version).build());
        response.onCompleted();
    }

    @Override
    public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> response) {
        response.onNext(HeartbeatResponse.newBuilder()
                .setRegistered(registry.heartbeat(request.getWorkerId()))
                .setMembershipVersion(registry.version())
                .build());
        response.onCompleted();
    }

    @Override
    public void getMembership(GetMembershipRequest request, StreamObserver<Membership> response) {
        response.onNext(registry.snapshot());
        response.onCompleted();
    }

    @Override
    public void watchMembership(GetMembershipRequest request, StreamObserver<Membership> response) {
        ((ServerCallStreamObserver<Membership>) response).setOnCancelHandler(() -> registry.unwatch(response));
        registry.watch(response);
    }
}
