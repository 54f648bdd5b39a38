package io.cachet.membership;

import com.google.common.net.HostAndPort;
import io.cachet.rpc.proto.CoordinatorServiceGrpc;
import io.cachet.rpc.proto.GetMembershipRequest;
import io.cachet.rpc.proto.Membership;
import io.grpc.Channel;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The list as the coordinator serves it. The channel belongs to the caller, who closes it. */
public final class CoordinatorMembership implements MembershipSource {
    private final Channel coordinator;
    private final HostAndPort address;
    private final Duration timeout;

    public CoordinatorMembership(Channel coordinator, HostAndPort address, Duration timeout) {
        this.coordinator = coordinator;
        this.address = address;
        this.timeout = timeout;
    }

    /** Throws gRPC's StatusRuntimeException when the coordinator cannot be reached; the caller explains it. */
    @Override
    public Membership fetch() {
        return CoordinatorServiceGrpc.newBlockingStub(coordinator)
                .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .getMembership(GetMembershipRequest.getDefaultInstance());
    }

    @Override
    public String describe() {
        return "the coordinator at " + address;
    }

    @Override
    public void close() {}
}
