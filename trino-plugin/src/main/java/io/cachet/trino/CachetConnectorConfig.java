package io.cachet.trino;

import io.airlift.configuration.Config;
import io.airlift.configuration.ConfigDescription;
import io.airlift.units.DataSize;
import io.airlift.units.MinDataSize;
import io.cachet.conf.CachetKeys;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import static io.airlift.units.DataSize.Unit.MEGABYTE;

/**
 * The connector's own catalog properties. The {@code cachet.*} client keys of DESIGN §3 (TLS and the
 * rest) are read by Cachet's configuration, so one catalog file carries both.
 */
public class CachetConnectorConfig {
    private String coordinatorAddress;
    private DataSize maxSplitSize = DataSize.of(64, MEGABYTE);

    @NotNull
    @Pattern(regexp = "[^:/\\s]+:\\d{1,5}", message = "must be host:port")
    public String getCoordinatorAddress() {
        return coordinatorAddress;
    }

    @Config(CachetKeys.COORDINATOR_ADDRESS_NAME)
    @ConfigDescription("host:port of the Cachet coordinator this catalog reads and writes through")
    public CachetConnectorConfig setCoordinatorAddress(String coordinatorAddress) {
        this.coordinatorAddress = coordinatorAddress;
        return this;
    }

    @NotNull
    @MinDataSize("64kB")
    public DataSize getMaxSplitSize() {
        return maxSplitSize;
    }

    @Config(CachetKeys.TRINO_MAX_SPLIT_SIZE_NAME)
    @ConfigDescription("Largest byte range of a Parquet file read as one split; a split takes the row groups that start in its range")
    public CachetConnectorConfig setMaxSplitSize(DataSize maxSplitSize) {
        this.maxSplitSize = maxSplitSize;
        return this;
    }
}
