package io.cachet.trino;

import io.airlift.units.DataSize;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.airlift.configuration.testing.ConfigAssertions.assertFullMapping;
import static io.airlift.configuration.testing.ConfigAssertions.assertRecordedDefaults;
import static io.airlift.configuration.testing.ConfigAssertions.recordDefaults;
import static io.airlift.units.DataSize.Unit.MEGABYTE;

class CachetConnectorConfigTest {
    @Test
    void defaults() {
        assertRecordedDefaults(recordDefaults(CachetConnectorConfig.class)
                .setCoordinatorAddress(null)
                .setMaxSplitSize(DataSize.of(64, MEGABYTE)));
    }

    @Test
    void everyPropertyMapsToItsSetter() {
        Map<String, String> properties = Map.of(
                "cachet.coordinator.address", "coordinator.example.com:19998",
                "cachet.trino.max-split-size", "16MB");
        assertFullMapping(properties, new CachetConnectorConfig()
                .setCoordinatorAddress("coordinator.example.com:19998")
                .setMaxSplitSize(DataSize.of(16, MEGABYTE)));
    }
}
