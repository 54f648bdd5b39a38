package io.cachet.coordinator;

import io.cachet.rpc.proto.Membership;

/** The coordinator's view of the workers: its own registry, or what etcd holds. */
interface MembershipView extends AutoCloseable {
    Membership snapshot();

    @Override
    void close();
}
