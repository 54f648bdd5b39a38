package io.cachet.server;

import java.util.concurrent.atomic.LongAdder;

/** What a server's listeners accepted and refused, for metrics and for tests that assert from the server side. */
public final class ConnectionCounters {
    private final LongAdder tlsHandshakes = new LongAdder();
    private final LongAdder plaintextConnections = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder peersWithCertificate = new LongAdder();

    /** A TLS handshake completed; {@code peerCertificate} says whether the peer presented one (mutual TLS). */
    public void tlsHandshake(boolean peerCertificate) {
        tlsHandshakes.increment();
        if (peerCertificate) {
            peersWithCertificate.increment();
        }
    }

    /** TLS peers that presented a certificate (with client.auth optional, the rest did not). */
    public long peersWithCertificate() {
        return peersWithCertificate.sum();
    }

    public void plaintextConnection() {
        plaintextConnections.increment();
    }

    public void refused() {
        refused.increment();
    }

    public long tlsHandshakes() {
        return tlsHandshakes.sum();
    }

    public long plaintextConnections() {
        return plaintextConnections.sum();
    }

    public long refusedConnections() {
        return refused.sum();
    }
}
