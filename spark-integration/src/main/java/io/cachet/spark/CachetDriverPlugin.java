package io.cachet.spark;

import io.cachet.conf.CachetConfig;
import io.cachet.conf.CachetKeys;
import io.cachet.hadoop.CachetFileSystem;
import io.cachet.tls.TlsCheck;
import io.cachet.tls.TlsContexts;
import io.cachet.tls.TlsHandshakeException;
import io.cachet.tls.TlsSettings;
import org.apache.spark.SparkContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * On the driver: makes {@code cachet://} resolvable however the Cachet jar arrived; fails the application at start-up, with the TLS diagnosis, when the Cachet settings
 * cannot work (a store that does not open, a coordinator whose certificate is not trusted), instead of
 * failing tasks later; and, when asked, ships the trusted certificates to the executors.
 */
final class CachetDriverPlugin implements DriverPlugin {
    private static final Logger log = LoggerFactory.getLogger(CachetDriverPlugin.class);
    private static final String FILE_SYSTEM_KEY = "fs." + CachetFileSystem.SCHEME + ".impl";

    @Override
    public Map<String, String> init(SparkContext context, PluginContext pluginContext) {
        // Hadoop looks for file systems on the class path once, before --jars reach the driver's class
        // loader, so a jar shipped that way is never found by scheme. Naming the class works however the
        // jar arrives: the driver's Hadoop configuration reaches tasks, which load it with the job's jars.
        context.hadoopConfiguration().setIfUnset(FILE_SYSTEM_KEY, CachetFileSystem.class.getName());
        CachetConfig config = SparkCachetConfig.from(context.hadoopConfiguration());
        TlsSettings settings = TlsSettings.from(config);
        if (!settings.enabled()) {
            log.info("Cachet: TLS is off");
            return Map.of();
        }
        TlsContexts contexts;
        try {
            contexts = TlsContexts.load(settings);
            contexts.dataClient();
            contexts.grpcClient();
        }
        catch (RuntimeException e) {
            throw new IllegalStateException("Cachet TLS settings of this Spark application cannot work: " + e.getMessage(), e);
        }
        log.info("Cachet {}", contexts.describe());
        if (config.isSet(CachetKeys.COORDINATOR_ADDRESS)) {
            String address = config.get(CachetKeys.COORDINATOR_ADDRESS);
            int colon = address.lastIndexOf(':');
            try {
                TlsCheck.run(contexts, new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))));
            }
            catch (TlsHandshakeException e) {
                throw new IllegalStateException("Cachet TLS check of the coordinator failed at start-up: " + e.getMessage(), e);
            }
        }
        if (!config.get(CachetKeys.SPARK_SHIP_TRUSTSTORE)) {
            return Map.of();
        }
        log.info("Cachet: shipping {} trusted certificates (no private keys) to executors", contexts.material().trustedCertificates().size());
        return Map.of(CachetSparkPlugin.SHIPPED_TRUST, pem(contexts.material().trustedCertificates()));
    }

    @Override
    public void registerMetrics(String appId, PluginContext pluginContext) {
        CachetMetrics.register(pluginContext.metricRegistry());
    }

    private static String pem(List<X509Certificate> certificates) {
        StringWriter text = new StringWriter();
        Base64.Encoder encoder = Base64.getMimeEncoder(64, new byte[] {'\n'});
        for (X509Certificate certificate : certificates) {
            try {
                text.append("-----BEGIN CERTIFICATE-----\n").append(encoder.encodeToString(certificate.getEncoded())).append("\n-----END CERTIFICATE-----\n");
            }
            catch (CertificateEncodingException e) {
                throw new IllegalStateException("Cannot encode trusted certificate " + certificate.getSubjectX500Principal(), e);
            }
        }
        return text.toString();
    }
}
