package io.cachet.server;

import io.cachet.tls.TlsFailureCause;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;

import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a node's listeners accepted and refused, per listener and in total, for metrics and for tests
 * that assert from the server side. A listener counts through {@link #forListener}; the node's totals
 * follow.
 */
public final class ConnectionCounters {
    private final Listener total = new Listener("all", null);
    private final Map<String, Listener> listeners = new ConcurrentHashMap<>();

    /** The counts of one listener (its name as logs give it), which also count toward this node's totals. */
    public Listener forListener(String name) {
        return listeners.computeIfAbsent(name, any -> new Listener(name, total));
    }

    public Collection<Listener> listeners() {
        return List.copyOf(listeners.values());
    }

    /** TLS peers that presented a certificate (with client.auth optional, the rest did not). */
    public long peersWithCertificate() {
        return total.peersWithCertificate.sum();
    }

    /** Connections the node's listeners hold now. */
    public long openConnections() {
        return total.openConnections();
    }

    public long tlsHandshakes() {
        return total.tlsHandshakes();
    }

    public long plaintextConnections() {
        return total.plaintextConnections.sum();
    }

    public long refusedConnections() {
        return total.refusedConnections();
    }

    /** One listener's counts. */
    public static final class Listener {
        private final String name;
        private final Listener parent;
        private final LongAdder tlsHandshakes = new LongAdder();
        private final LongAdder plaintextConnections = new LongAdder();
        private final LongAdder refused = new LongAdder();
        private final LongAdder peersWithCertificate = new LongAdder();
        private final LongAdder open = new LongAdder();
        private final Map<TlsFailureCause, LongAdder> failedHandshakes = new EnumMap<>(TlsFailureCause.class);

        private Listener(String name, Listener parent) {
            this.name = name;
            this.parent = parent;
            for (TlsFailureCause cause : TlsFailureCause.values()) {
                failedHandshakes.put(cause, new LongAdder());
            }
        }

        public String name() {
            return name;
        }

        /** A TLS handshake completed on {@code engine}; counts whether the peer presented a certificate (mutual TLS). */
        public void tlsHandshake(SSLEngine engine) {
            boolean withCertificate;
            try {
                withCertificate = engine.getSession().getPeerCertificates().length > 0;
            }
            catch (SSLPeerUnverifiedException e) {
                // no certificate: an anonymous client under client.auth=none or optional
                withCertificate = false;
            }
            for (Listener counts = this; counts != null; counts = counts.parent) {
                counts.tlsHandshakes.increment();
                if (withCertificate) {
                    counts.peersWithCertificate.increment();
                }
            }
        }

        /** A TLS handshake failed, and the connection with it: counted by cause, and as a refused connection. */
        public void handshakeFailed(TlsFailureCause cause) {
            for (Listener counts = this; counts != null; counts = counts.parent) {
                counts.failedHandshakes.get(cause).increment();
                counts.refused.increment();
            }
        }

        public void plaintextConnection() {
            for (Listener counts = this; counts != null; counts = counts.parent) {
                counts.plaintextConnections.increment();
            }
        }

        public void refused() {
            for (Listener counts = this; counts != null; counts = counts.parent) {
                counts.refused.increment();
            }
        }

        void opened() {
            for (Listener counts = this; counts != null; counts = counts.parent) {
                counts.open.increment();
            }
        }

        void closed() {
            for (Listener counts = this; counts != null; counts = counts.parent) {
                counts.open.decrement();
            }
        }

        public long openConnections() {
            return open.sum();
        }

        public long tlsHandshakes() {
            return tlsHandshakes.sum();
        }

        public long refusedConnections() {
            return refused.sum();
        }

        public long failedHandshakes(TlsFailureCause cause) {
            return failedHandshakes.get(cause).sum();
        }
    }
}
