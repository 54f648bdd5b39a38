package io.cachet.hadoop;

import io.cachet.client.ClientMetrics;
import org.apache.hadoop.fs.StorageStatistics;
import org.apache.hadoop.fs.statistics.IOStatistics;
import org.apache.hadoop.fs.statistics.impl.DynamicIOStatisticsBuilder;
import org.apache.hadoop.fs.statistics.impl.IOStatisticsBinding;

import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * Cachet's counters for this JVM, registered with Hadoop's {@code GlobalStorageStatistics} under
 * "cachet-client" (Hadoop itself registers "cachet" for FileSystem.Statistics): every CachetFileSystem
 * of the JVM counts into them, and engines (the Spark plugin) publish them. They count what this JVM's
 * clients do; what happens on the workers (cache hits, evictions) is on the workers' {@code /metrics}.
 */
public final class CachetStorageStatistics extends StorageStatistics {
    public static final String NAME = "cachet-client";
    public static final String BYTES_READ = "bytes_read";
    public static final String BYTES_WRITTEN = "bytes_written";
    public static final String OPERATIONS = "operations";
    public static final String TLS_HANDSHAKES = "tls_handshakes";
    public static final String TLS_HANDSHAKE_FAILURES = "tls_handshake_failures";
    public static final String RETRIES = "retries";

    /** Every statistic and where its value comes from: the one definition both Hadoop statistics APIs read. */
    private static final Map<String, ToLongFunction<ClientMetrics>> COUNTERS = counters();

    /** The names, in the order they are reported. */
    public static final List<String> NAMES = List.copyOf(COUNTERS.keySet());

    private final ClientMetrics metrics = new ClientMetrics();

    public CachetStorageStatistics() {
        super(NAME);
    }

    private static Map<String, ToLongFunction<ClientMetrics>> counters() {
        Map<String, ToLongFunction<ClientMetrics>> counters = new LinkedHashMap<>();
        counters.put(BYTES_READ, ClientMetrics::bytesRead);
        counters.put(BYTES_WRITTEN, ClientMetrics::bytesWritten);
        counters.put(OPERATIONS, ClientMetrics::operations);
        counters.put(TLS_HANDSHAKES, ClientMetrics::tlsHandshakes);
        counters.put(TLS_HANDSHAKE_FAILURES, ClientMetrics::handshakeFailures);
        counters.put(RETRIES, ClientMetrics::retries);
        return Collections.unmodifiableMap(counters);
    }

    ClientMetrics metrics() {
        return metrics;
    }

    /** The same counters as Hadoop's {@link IOStatistics}, read live. */
    static IOStatistics ioStatistics(ClientMetrics metrics) {
        DynamicIOStatisticsBuilder builder = IOStatisticsBinding.dynamicIOStatistics();
        for (Map.Entry<String, ToLongFunction<ClientMetrics>> counter : COUNTERS.entrySet()) {
            builder.withLongFunctionCounter(counter.getKey(), key -> counter.getValue().applyAsLong(metrics));
        }
        return builder.build();
    }

    @Override
    public String getScheme() {
        return CachetFileSystem.SCHEME;
    }

    @Override
    public Iterator<LongStatistic> getLongStatistics() {
        return NAMES.stream().map(key -> new LongStatistic(key, getLong(key))).iterator();
    }

    @Override
    public Long getLong(String key) {
        ToLongFunction<ClientMetrics> counter = COUNTERS.get(key);
        return counter == null ? null : counter.applyAsLong(metrics);
    }

    @Override
    public boolean isTracked(String key) {
        return COUNTERS.containsKey(key);
    }

    @Override
    public void reset() {
        // Counters only grow: engines compute rates from differences.
    }
}
