package io.cachet.server;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** The peer address that limits, refusal logs and worker ownership are keyed by: the host, not the ephemeral port. */
public final class ConnectionAddresses {
    private ConnectionAddresses() {}

    public static String host(SocketAddress remote) {
        return remote instanceof InetSocketAddress inet && inet.getAddress() != null ? inet.getAddress().getHostAddress() : String.valueOf(remote);
    }
}
