package io.cachet.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

class ConfCommandTest {
    @TempDir
    Path directory;

    @Test
    void printsEffectiveValuesWithSourcesAndMasksSecrets() throws IOException {
        Files.writeString(directory.resolve("cachet-site.properties"), """
                cachet.node.dc=site-dc
                cachet.node.rack=site-rack
                cachet.network.tls.truststore.password=site-secret-value
                """);
        Properties system = new Properties();
        system.setProperty("cachet.node.rack", "system-rack");
        system.setProperty("cachet.network.tls.keystore.password", "system-secret-value");

        CachetCli.Run run = CachetCli.run(Map.of("CACHET_CONF_DIR", directory.toString()), system,
                "conf", "--source", "--set", "cachet.coordinator.address=coordinator.example:19998");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out())
                .contains("cachet.node.dc=site-dc    # site file " + directory.resolve("cachet-site.properties"))
                .contains("cachet.node.rack=system-rack    # JVM system property")
                .contains("cachet.coordinator.address=coordinator.example:19998    # command line (--set)")
                .contains("cachet.network.tls.client.auth=none    # built-in default")
                .contains("cachet.network.tls.truststore.password=******")
                .contains("cachet.network.tls.keystore.password=******")
                .doesNotContain("site-secret-value")
                .doesNotContain("system-secret-value");
    }

    @Test
    void withoutSourceFlagPrintsPlainProperties() {
        CachetCli.Run run = CachetCli.run("conf", "--set", "cachet.node.dc=east");

        assertThat(run.out()).contains("cachet.node.dc=east\n").doesNotContain("#");
    }

    @Test
    void unknownKeyIsWarnedAboutWithASuggestion() {
        CachetCli.Run run = CachetCli.run("conf", "--set", "cachet.network.tls.trustore.path=/etc/x");

        assertThat(run.exitCode()).isZero();
        assertThat(run.err()).contains("Unknown configuration key 'cachet.network.tls.trustore.path' (from command line (--set)): it is ignored. Did you mean 'cachet.network.tls.truststore.path'?");
    }

    @Test
    void badValueFailsWithTheMessageAndNoStackTrace() {
        CachetCli.Run run = CachetCli.run("conf", "--set", "cachet.network.tls.enabled=yes please");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err())
                .contains("cachet: Invalid value 'yes please' for cachet.network.tls.enabled (from command line (--set)): not a boolean. Accepted: true or false")
                .doesNotContain("\tat ");
    }
}
