package io.cachet.spark;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.cachet.hadoop.CachetStorageStatistics;
import org.apache.hadoop.fs.GlobalStorageStatistics;
import org.apache.hadoop.fs.StorageStatistics;

import java.util.List;

/** Cachet's JVM-wide client counters as Spark metrics: bytes, operations, TLS handshakes and failures, retries. */
final class CachetMetrics {
    static final List<String> NAMES = CachetStorageStatistics.NAMES;

    private CachetMetrics() {}

    static void register(MetricRegistry registry) {
        for (String name : NAMES) {
            registry.register(name, (Gauge<Long>) () -> value(name));
        }
    }

    static long value(String name) {
        StorageStatistics statistics = GlobalStorageStatistics.INSTANCE.get(CachetStorageStatistics.NAME);
        Long value = statistics == null ? null : statistics.getLong(name);
        return value == null ? 0 : value;
    }
}
