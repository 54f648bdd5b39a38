package io.cachet.server;

import java.util.concurrent.atomic.LongAdder;

/** What a server's listeners accepted and refused, for metrics and for tests that assert from the server side. */
public final class ConnectionCounters {
    private final LongAdder tlsHandshakes = new LongAdder();
    private final LongAdder plaintextConnections = new LongAdder();
    private final LongAdder refused = new LongAdder();

    public void tlsHandshake() {
        tlsHandshakes.increment();
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
