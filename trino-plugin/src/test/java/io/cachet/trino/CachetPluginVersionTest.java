package io.cachet.trino;

import io.trino.spi.Plugin;
import io.trino.spi.connector.ConnectorFactory;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CachetPluginVersionTest {
    @Test
    void loadsOnTheTrinoItWasBuiltFor() {
        assertThat(new CachetPlugin().getConnectorFactories()).extracting(ConnectorFactory::getName).containsExactly("cachet");
    }

    @Test
    void anotherTrinoIsRefusedWhenThePluginLoadsNamingBothVersions() throws IOException {
        String builtFor = CachetPlugin.builtForTrinoVersion();
        try (InputStream spiVersion = Plugin.class.getResourceAsStream("trino-spi-version.txt")) {
            assertThat(builtFor).as("the version the build wrote is the SPI's on the class path").isEqualTo(new String(spiVersion.readAllBytes(), UTF_8).strip());
        }

        assertThatThrownBy(() -> new CachetPlugin("476").getConnectorFactories())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("built for Trino " + builtFor)
                .hasMessageContaining("this server runs Trino 476")
                .hasMessageContaining("-Ddep.trino.version=476");
    }
}
