package io.cachet.spark;

import io.cachet.conf.CachetConfig;
import io.cachet.conf.CachetKeys;
import org.apache.hadoop.conf.Configuration;

import java.util.HashMap;
import java.util.Map;

/** Cachet configuration as a Spark JVM sees it: {@code spark.hadoop.cachet.*} above its -D flags and site file. */
final class SparkCachetConfig {
    private SparkCachetConfig() {}

    static CachetConfig from(Configuration hadoopConfiguration) {
        Map<String, String> properties = new HashMap<>();
        for (Map.Entry<String, String> entry : hadoopConfiguration) {
            if (entry.getKey().startsWith(CachetKeys.PREFIX)) {
                properties.put(entry.getKey(), hadoopConfiguration.get(entry.getKey()));
            }
        }
        return CachetConfig.builder().engineProperties("spark.hadoop.cachet.*", properties).build();
    }
}
