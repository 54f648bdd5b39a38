package io.cachet.trino;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.trino.spi.HostAddress;
import io.trino.spi.connector.ConnectorSplit;

import java.util.List;
import java.util.Map;

import static io.airlift.slice.SizeOf.estimatedSizeOf;
import static io.airlift.slice.SizeOf.instanceSize;
import static java.util.Objects.requireNonNull;

/**
 * A byte range of one file (all of it for CSV; for Parquet, the row groups that start in the range),
 * with its partition values, addressed to the worker that owns the file so Trino can schedule the split
 * next to its cache. Any Trino worker may still read it: the address is a preference.
 */
public record CachetSplit(String path, long start, long length, long fileLength, Map<String, String> partitionValues, List<HostAddress> addresses)
        implements ConnectorSplit {
    private static final int INSTANCE_SIZE = instanceSize(CachetSplit.class);

    public CachetSplit {
        requireNonNull(path, "path is null");
        partitionValues = Map.copyOf(partitionValues);
        addresses = List.copyOf(addresses);
    }

    @Override
    public List<HostAddress> getAddresses() {
        return addresses;
    }

    @JsonIgnore
    @Override
    public boolean isRemotelyAccessible() {
        return true;
    }

    @JsonIgnore
    @Override
    public long getRetainedSizeInBytes() {
        return INSTANCE_SIZE + estimatedSizeOf(path) + estimatedSizeOf(partitionValues, key -> estimatedSizeOf(key), value -> estimatedSizeOf(value))
                + estimatedSizeOf(addresses, HostAddress::getRetainedSizeInBytes);
    }
}
