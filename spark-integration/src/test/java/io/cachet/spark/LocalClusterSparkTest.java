package io.cachet.spark;

import io.cachet.conf.CachetKeys;
import io.cachet.minicluster.MiniCluster;
import io.cachet.tls.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spark with the driver and two executors in JVMs of their own (local-cluster), submitted through
 * Spark's launcher, with the Cachet TLS settings only in spark.driver/executor.extraJavaOptions.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalClusterSparkTest {
    private static final Pattern EXECUTORS = Pattern.compile("executor jvms: \\[(.*)]");

    private Path directory;
    private TestPki pki;
    private MiniCluster cluster;

    @BeforeAll
    void start(@TempDir Path directory) throws IOException {
        this.directory = directory;
        pki = TestPki.create(directory, "Spark Cluster CA");
        // The servers' certificate names localhost only: 127.0.0.1 is a host name it does not match.
        cluster = SparkTestClusters.start(directory, pki, List.of("localhost"));
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void tlsOnlyThroughExtraJavaOptionsWithExecutorsInOtherProcesses() throws Exception {
        String options = javaOptions(pki.trustSettings());
        SparkSubmitProcess.Result result = submit("/extra-java-options",
                "--conf", "spark.driver.extraJavaOptions=" + options,
                "--conf", "spark.executor.extraJavaOptions=" + options);

        assertJobSucceeded(result);
    }

    @Test
    void hostnameVerificationStaysOnInsideSparkJvms() throws Exception {
        Map<String, String> settings = pki.trustSettings();
        String options = javaOptions(settings);
        SparkSubmitProcess.Result mismatch = submitTo("cachet://127.0.0.1:" + cluster.coordinatorPort(), "/hostname-mismatch",
                "--conf", "spark.driver.extraJavaOptions=" + options,
                "--conf", "spark.executor.extraJavaOptions=" + options);
        assertThat(mismatch.exitCode()).as(mismatch.all()).isNotZero();
        assertThat(mismatch.all()).contains("The host name 127.0.0.1 does not match the certificate").contains("SANs=[DNS:localhost]");

        settings.put("cachet.network.tls.client.no.endpoint.identification", "true");
        String relaxed = javaOptions(settings);
        SparkSubmitProcess.Result allowed = submitTo("cachet://127.0.0.1:" + cluster.coordinatorPort(), "/hostname-relaxed",
                "--conf", "spark.driver.extraJavaOptions=" + relaxed,
                "--conf", "spark.executor.extraJavaOptions=" + relaxed);
        assertJobSucceeded(allowed);
        assertThat(allowed.out()).as("Spark's Netty flag is present in the executors").contains("nettyDefaultEndpointVerification=NONE");
    }

    @Test
    void shippedTrustLetsExecutorsWithoutATrustStoreReadOverTls() throws Exception {
        String driverOptions = javaOptions(pki.trustSettings());
        String executorOptions = "-Dcachet.network.tls.enabled=true";

        SparkSubmitProcess.Result shipped = submit("/shipped",
                "--conf", "spark.plugins=io.cachet.spark.CachetSparkPlugin",
                "--conf", "spark.hadoop.cachet.spark.ship.truststore=true",
                "--conf", "spark.driver.extraJavaOptions=" + driverOptions,
                "--conf", "spark.executor.extraJavaOptions=" + executorOptions);
        assertJobSucceeded(shipped);

        SparkSubmitProcess.Result notShipped = submit("/not-shipped",
                "--conf", "spark.plugins=io.cachet.spark.CachetSparkPlugin",
                "--conf", "spark.driver.extraJavaOptions=" + driverOptions,
                "--conf", "spark.executor.extraJavaOptions=" + executorOptions,
                "--conf", "spark.task.maxFailures=1");
        assertThat(notShipped.exitCode()).isNotZero();
        assertThat(notShipped.all()).contains("is not trusted by the JVM's default trust store");
    }

    private SparkSubmitProcess.Result submit(String path, String... conf) throws Exception {
        return submitTo("cachet://localhost:" + cluster.coordinatorPort(), path, conf);
    }

    private SparkSubmitProcess.Result submitTo(String root, String path, String... conf) throws Exception {
        List<String> arguments = new ArrayList<>(SparkSubmitProcess.localCluster(conf));
        arguments.addAll(List.of("--class", "io.cachet.spark.examples.CachetExampleJob", "spark-internal", root, path));
        return SparkSubmitProcess.run(directory.resolve("spark-home"), arguments, Map.of());
    }

    private void assertJobSucceeded(SparkSubmitProcess.Result result) {
        assertThat(result.exitCode()).as(result.all()).isZero();
        assertThat(result.all()).doesNotContain(TestPki.PASSWORD);
        assertThat(result.out()).contains("csv rows: 10000").contains("rows: 10000").contains("bucket 3 rows: 1000").contains("sum of ids: 49995000");
        Matcher matcher = EXECUTORS.matcher(result.out());
        assertThat(matcher.find()).as(result.out()).isTrue();
        String driverPid = result.out().replaceAll("(?s).*driver pid: (\\d+).*", "$1");
        List<String> executorPids = Pattern.compile("pid=(\\d+)").matcher(matcher.group(1)).results().map(match -> match.group(1)).distinct().toList();
        assertThat(executorPids).as("two executor JVMs, neither of them the driver").hasSize(2).doesNotContain(driverPid);
    }

    /** The settings as JVM flags, each secret kept in a file and named as ${file:...}: nothing secret on a command line. */
    private String javaOptions(Map<String, String> settings) throws IOException {
        StringBuilder options = new StringBuilder();
        for (Map.Entry<String, String> setting : new TreeMap<>(settings).entrySet()) {
            String value = setting.getValue();
            if (CachetKeys.all().get(setting.getKey()).isSecret()) {
                Path secret = Files.writeString(directory.resolve(setting.getKey() + ".secret"), value);
                value = "${file:" + secret + "}";
            }
            options.append("-D").append(setting.getKey()).append('=').append(value).append(' ');
        }
        return options.toString().trim();
    }

}
