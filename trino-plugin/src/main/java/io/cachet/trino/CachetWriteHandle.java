package io.cachet.trino;

import io.trino.spi.connector.ConnectorInsertTableHandle;
import io.trino.spi.connector.ConnectorOutputTableHandle;
import io.trino.spi.connector.SchemaTableName;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * A CREATE TABLE AS or INSERT in progress: page sinks write Parquet files into {@code stagingPath}
 * (hidden from listings), and the coordinator moves them into the table when the query succeeds.
 */
public record CachetWriteHandle(SchemaTableName name, List<CachetColumnHandle> columns, String stagingPath, boolean newTable)
        implements ConnectorOutputTableHandle, ConnectorInsertTableHandle {
    public CachetWriteHandle {
        requireNonNull(name, "name is null");
        columns = List.copyOf(columns);
        requireNonNull(stagingPath, "stagingPath is null");
    }
}
