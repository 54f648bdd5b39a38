package io.cachet.membership;

import io.cachet.conf.CachetConfig;
import io.cachet.conf.CachetKeys;
import io.cachet.conf.MembershipStore;
import io.cachet.etcd.EtcdSettings;
import io.cachet.rpc.proto.Membership;

import java.io.IOException;
import java.net.URI;

/** Where a client or node reads the list of workers: the coordinator, or etcd. */
public interface MembershipSource extends AutoCloseable {
    /** Whom a node or client with {@code config} reads the list from, for banners and {@code cachet conf}; validates the etcd keys. */
    static String describe(CachetConfig config) {
        if (config.get(CachetKeys.MEMBERSHIP_STORE) == MembershipStore.ETCD) {
            EtcdSettings etcd = EtcdSettings.from(config);
            return "etcd at %s (namespace %s)".formatted(String.join(", ", etcd.endpoints().stream().map(URI::toString).toList()), etcd.namespace());
        }
        return "the coordinator at " + config.get(CachetKeys.COORDINATOR_ADDRESS);
    }

    /** The current list. */
    Membership fetch() throws IOException;

    /** Asks to hear of changes as they happen (besides fetching on a schedule); a source that cannot push ignores it. */
    default void onChange(Runnable listener) {}

    /** Whom the list comes from, for messages: "the coordinator at host:port", "etcd at https://...". */
    String describe();

    @Override
    void close();
}
