package io.cachet.spark;

import io.cachet.minicluster.MiniCluster;
import io.cachet.tls.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** examples/spark/spark-defaults.conf, as is, read by Spark's launcher for a driver and executors in JVMs of their own. */
class SparkDefaultsConfTest {
    @Test
    void theExampleSparkDefaultsConfConfiguresDriverAndExecutorsForTls(@TempDir Path directory) throws Exception {
        TestPki pki = TestPki.create(directory, "Defaults CA");
        try (MiniCluster cluster = SparkTestClusters.start(directory, pki, TestPki.LOOPBACK_HOSTS)) {
            Map<String, String> trust = pki.trustSettings();
            Path defaults = Path.of(System.getProperty("cachet.repository.root"), "examples", "spark", "spark-defaults.conf");
            List<String> arguments = new ArrayList<>(SparkSubmitProcess.localCluster("--properties-file", defaults.toString()));
            arguments.addAll(List.of("--class", "io.cachet.spark.examples.CachetExampleJob", "spark-internal",
                    "cachet://localhost:" + cluster.coordinatorPort(), "/defaults-conf"));

            SparkSubmitProcess.Result result = SparkSubmitProcess.run(directory.resolve("spark-home"), arguments, Map.of(
                    "CACHET_TRUSTSTORE", trust.get("cachet.network.tls.truststore.path"),
                    "CACHET_TRUSTSTORE_PASSWORD", trust.get("cachet.network.tls.truststore.password")));

            assertThat(result.exitCode()).as(result.all()).isZero();
            assertThat(result.out()).contains("rows: 10000").contains("sum of ids: 49995000");
            assertThat(result.out().replaceAll("(?s).*executor jvms: \\[(.*?)].*", "$1").split(", ")).hasSize(2);
            assertThat(result.all()).doesNotContain(trust.get("cachet.network.tls.truststore.password"));
        }
    }
}
