package io.cachet.trino;

import io.trino.spi.connector.ColumnHandle;
import io.trino.spi.connector.ConnectorTableHandle;
import io.trino.spi.connector.SchemaTableName;
import io.trino.spi.predicate.TupleDomain;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * A table as a query sees it: its folder, format and columns, and the predicate Trino pushed down
 * (partition keys prune folders; data columns skip Parquet row groups by their statistics).
 */
public record CachetTableHandle(SchemaTableName name, TableFormat format, List<CachetColumnHandle> columns, TupleDomain<ColumnHandle> constraint)
        implements ConnectorTableHandle {
    public CachetTableHandle {
        requireNonNull(name, "name is null");
        requireNonNull(format, "format is null");
        columns = List.copyOf(columns);
        requireNonNull(constraint, "constraint is null");
    }

    List<CachetColumnHandle> partitionColumns() {
        return columns.stream().filter(CachetColumnHandle::partitionKey).toList();
    }

    List<CachetColumnHandle> dataColumns() {
        return columns.stream().filter(column -> !column.partitionKey()).toList();
    }

    CachetTableHandle withConstraint(TupleDomain<ColumnHandle> constraint) {
        return new CachetTableHandle(name, format, columns, constraint);
    }
}
