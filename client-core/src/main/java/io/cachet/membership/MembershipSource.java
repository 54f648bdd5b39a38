package io.cachet.membership;

import io.cachet.rpc.proto.Membership;

import java.io.IOException;

/** Where a client or node reads the list of workers: the coordinator, or etcd. */
public interface MembershipSource extends AutoCloseable {
    /** The current list. */
    Membership fetch() throws IOException;

    /** Asks to hear of changes as they happen (besides fetching on a schedule); a source that cannot push ignores it. */
    default void onChange(Runnable listener) {}

    /** Whom the list comes from, for messages: "the coordinator at host:port", "etcd at https://...". */
    String describe();

    @Override
    void close();
}
