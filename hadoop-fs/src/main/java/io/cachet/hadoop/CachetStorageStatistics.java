package io.cachet.hadoop;

import io.cachet.client.CachetClient;
import io.cachet.client.ClientMetrics;
import io.cachet.routing.WorkerAddress;
import org.apache.hadoop.fs.StorageStatistics;

import java.util.Iterator;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Cachet's counters for this JVM, registered with Hadoop's {@code GlobalStorageStatistics} under
 * "cachet-client" (Hadoop itself registers "cachet" for FileSystem.Statistics): every CachetFileSystem
 * of the JVM counts into them, and engines (the Spark plugin) publish them.
 */
public final class CachetStorageStatistics extends StorageStatistics {
    public static final String NAME = "cachet-client";
    public static final String BYTES_READ = "bytes_read";
    public static final String BYTES_WRITTEN = "bytes_written";
    public static final String OPERATIONS = "operations";
    public static final String TLS_HANDSHAKES = "tls_handshakes";
    public static final String TLS_HANDSHAKE_FAILURES = "tls_handshake_failures";
    public static final String CACHE_HITS = "cache_hits";
    private static final List<String> KEYS = List.of(BYTES_READ, BYTES_WRITTEN, OPERATIONS, TLS_HANDSHAKES, TLS_HANDSHAKE_FAILURES, CACHE_HITS);

    private final ClientMetrics metrics = new ClientMetrics();
    private volatile CachetClient lastClient;

    public CachetStorageStatistics() {
        super(NAME);
    }

    ClientMetrics metrics() {
        return metrics;
    }

    void clientOpened(CachetClient client) {
        lastClient = client;
    }

    @Override
    public String getScheme() {
        return CachetFileSystem.SCHEME;
    }

    @Override
    public Iterator<LongStatistic> getLongStatistics() {
        return KEYS.stream().map(key -> new LongStatistic(key, getLong(key))).iterator();
    }

    @Override
    public Long getLong(String key) {
        return switch (key) {
            case BYTES_READ -> metrics.bytesRead();
            case BYTES_WRITTEN -> metrics.bytesWritten();
            case OPERATIONS -> metrics.operations();
            case TLS_HANDSHAKES -> metrics.tlsHandshakes();
            case TLS_HANDSHAKE_FAILURES -> metrics.handshakeFailures();
            case CACHE_HITS -> sumOverWorkers(metrics -> metrics.getCacheHits());
            default -> null;
        };
    }

    @Override
    public boolean isTracked(String key) {
        return KEYS.contains(key);
    }

    @Override
    public void reset() {
        // Counters only grow: engines compute rates from differences.
    }

    /** Cache hits happen on the workers: ask them, through the client opened last. */
    private long sumOverWorkers(ToLongFunction<io.cachet.rpc.proto.WorkerMetrics> counter) {
        CachetClient client = lastClient;
        if (client == null) {
            return 0;
        }
        long sum = 0;
        for (WorkerAddress worker : client.workers()) {
            try {
                sum += counter.applyAsLong(client.workerMetrics(worker));
            }
            catch (RuntimeException e) {
                // a worker that does not answer contributes nothing
            }
        }
        return sum;
    }
}
