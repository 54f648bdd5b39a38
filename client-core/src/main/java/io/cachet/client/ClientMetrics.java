package io.cachet.client;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of a client: what engines publish as their Cachet metrics. Several clients may share one
 * instance (a Hadoop FileSystem per URI, one set of numbers per JVM).
 */
public final class ClientMetrics {
    final LongAdder bytesRead = new LongAdder();
    final LongAdder bytesWritten = new LongAdder();
    final LongAdder operations = new LongAdder();
    final LongAdder tlsHandshakes = new LongAdder();
    final LongAdder handshakeFailures = new LongAdder();
    final LongAdder retries = new LongAdder();

    public long bytesRead() {
        return bytesRead.sum();
    }

    public long bytesWritten() {
        return bytesWritten.sum();
    }

    public long operations() {
        return operations.sum();
    }

    /** TLS handshakes this client completed: one per TLS connection, data or gRPC (a gRPC channel reconnecting handshakes again). */
    public long tlsHandshakes() {
        return tlsHandshakes.sum();
    }

    public long handshakeFailures() {
        return handshakeFailures.sum();
    }

    /** Calls repeated on another worker after a worker failed to answer. */
    public long retries() {
        return retries.sum();
    }

    @Override
    public String toString() {
        return "ClientMetrics{bytesRead=%d, bytesWritten=%d, operations=%d, tlsHandshakes=%d, handshakeFailures=%d, retries=%d}"
                .formatted(bytesRead(), bytesWritten(), operations(), tlsHandshakes(), handshakeFailures(), retries());
    }
}
