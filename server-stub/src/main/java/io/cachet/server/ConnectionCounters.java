package io.cachet.server;

import java.util.concurrent.atomic.LongAdder;

/** What a server's listeners accepted and refused, for metrics and for tests that assert from the server side. */
public final class ConnectionCounters {
    private final LongAdder tlsHandshakes = new LongAdder();
    private final LongAdder plaintextConnections = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder peersWithCertificate = new LongAdder();
    private final LongAdder open = new LongAdder();

    /** A TLS handshake completed on {@code engine}; counts whether the peer presented a certificate (mutual TLS). */
    public void tlsHandshake(javax.net.ssl.SSLEngine engine) {
        tlsHandshakes.increment();
        try {
            if (engine.getSession().getPeerCertificates().length > 0) {
                peersWithCertificate.increment();
            }
        }
        catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            // no certificate: an anonymous client under client.auth=none or optional
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

    void opened() {
        open.increment();
    }

    void closed() {
        open.decrement();
    }

    /** Connections the node's listeners hold now. */
    public long openConnections() {
        return open.sum();
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
