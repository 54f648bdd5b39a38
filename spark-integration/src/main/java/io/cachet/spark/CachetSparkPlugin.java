package io.cachet.spark;

import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * {@code spark.plugins=io.cachet.spark.CachetSparkPlugin}: checks the Cachet TLS settings on the driver
 * at start-up, can ship the driver's trusted certificates to executors
 * ({@code spark.hadoop.cachet.spark.ship.truststore=true}), and publishes Cachet metrics from every JVM.
 */
public final class CachetSparkPlugin implements SparkPlugin {
    /** The key under which the driver hands executors its trusted certificates (PEM, public material only). */
    // A key of the plugin's own conf between driver and executors, not a Cachet setting.
    static final String SHIPPED_TRUST = "shipped.trust.pem";

    @Override
    public DriverPlugin driverPlugin() {
        return new CachetDriverPlugin();
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return new CachetExecutorPlugin();
    }
}
