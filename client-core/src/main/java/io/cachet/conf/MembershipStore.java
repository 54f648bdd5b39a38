package io.cachet.conf;

/** Where a cluster keeps the list of its workers. */
public enum MembershipStore {
    /** Workers register with the coordinator, which clients ask. */
    COORDINATOR,
    /** Workers register in etcd under leases; the coordinator and clients read etcd. */
    ETCD,
}
