package io.cachet.spark;

import io.cachet.tls.TestPki;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The plugin fails the application on the driver, at start-up, when the Cachet TLS settings cannot work. */
class SparkStartupCheckTest {
    @Test
    void wrongTrustStorePasswordFailsTheApplicationAtStartWithTheReason(@TempDir Path directory) {
        TestPki pki = TestPki.create(directory, "Startup CA");
        SparkSession.Builder builder = SparkSession.builder()
                .master("local[1]")
                .appName("cachet-startup-check")
                .config("spark.ui.enabled", "false")
                .config("spark.plugins", CachetSparkPlugin.class.getName());
        for (Map.Entry<String, String> setting : pki.trustSettings().entrySet()) {
            builder.config("spark.hadoop." + setting.getKey(), setting.getValue());
        }
        builder.config("spark.hadoop.cachet.network.tls.truststore.password", "wrong-password");

        assertThatThrownBy(builder::getOrCreate)
                .hasMessageContaining("Cachet TLS settings of this Spark application cannot work")
                .hasMessageContaining("Cannot open trust store")
                .hasMessageContaining("the password is wrong")
                .hasMessageContaining("cachet.network.tls.truststore.password")
                .hasMessageNotContaining("wrong-password");
    }
}
