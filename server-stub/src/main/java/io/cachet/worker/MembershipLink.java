package io.cachet.worker;

/** How a worker joins membership and stays in it: through the coordinator, or through etcd. */
interface MembershipLink extends AutoCloseable {
    void start();

    /** Whether the worker is listed now, as far as its last report knows. */
    boolean isRegistered();

    /** Stops reporting; a store that can say so at once (etcd) drops the worker now rather than after its timeout. */
    @Override
    void close();
}
