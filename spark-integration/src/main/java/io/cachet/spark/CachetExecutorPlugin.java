package io.cachet.spark;

import io.cachet.conf.CachetKeys;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * On each executor: uses the trusted certificates the driver shipped (so the executor needs no trust
 * store file, e.g. a Kubernetes pod without the secret mounted), and publishes Cachet metrics.
 */
final class CachetExecutorPlugin implements ExecutorPlugin {
    private static final Logger log = LoggerFactory.getLogger(CachetExecutorPlugin.class);

    @Override
    public void init(PluginContext context, Map<String, String> extraConf) {
        String shipped = extraConf.get(CachetSparkPlugin.SHIPPED_TRUST);
        if (shipped != null) {
            Path trust = writeTrust(shipped);
            // The executor's own settings carry no trust store: these JVM-level settings fill the gap.
            System.setProperty(CachetKeys.TLS_TRUSTSTORE_PATH.name(), trust.toString());
            System.setProperty(CachetKeys.TLS_TRUSTSTORE_TYPE.name(), "pem");
            System.clearProperty(CachetKeys.TLS_TRUSTSTORE_PASSWORD.name());
            log.info("Cachet: executor {} trusts the certificates shipped by the driver ({})", context.executorID(), trust);
        }
        CachetMetrics.register(context.metricRegistry());
    }

    private static Path writeTrust(String pem) {
        try {
            Path directory = Files.createTempDirectory("cachet-shipped-trust");
            Path file = directory.resolve("trusted.pem");
            Files.writeString(file, pem, StandardCharsets.US_ASCII);
            file.toFile().deleteOnExit();
            directory.toFile().deleteOnExit();
            return file;
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot write the trusted certificates shipped by the driver", e);
        }
    }
}
