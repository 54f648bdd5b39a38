package io.cachet.routing;

import io.cachet.rpc.proto.WorkerInfo;

import static java.util.Objects.requireNonNull;

/** A worker as the ring and the clients see it: identity, where it listens, where it sits. */
public record WorkerAddress(String id, String host, int rpcPort, int dataPort, String dc, String rack, boolean tls, int dataProtocol) {
    public WorkerAddress {
        requireNonNull(id, "id is null");
        requireNonNull(host, "host is null");
        requireNonNull(dc, "dc is null");
        requireNonNull(rack, "rack is null");
    }

    public static WorkerAddress from(WorkerInfo info) {
        return new WorkerAddress(info.getId(), info.getHost(), info.getRpcPort(), info.getDataPort(), info.getDc(), info.getRack(), info.getTls(), info.getDataProtocol());
    }

    public String rpcEndpoint() {
        return host + ":" + rpcPort;
    }

    public String dataEndpoint() {
        return host + ":" + dataPort;
    }
}
