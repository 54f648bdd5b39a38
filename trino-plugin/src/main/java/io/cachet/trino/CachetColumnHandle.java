package io.cachet.trino;

import io.trino.spi.connector.ColumnHandle;
import io.trino.spi.connector.ColumnMetadata;
import io.trino.spi.type.Type;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** A column of a table: a field of its files, or a partition key taken from {@code key=value} folder names. */
public record CachetColumnHandle(String name, Type type, boolean partitionKey) implements ColumnHandle {
    public CachetColumnHandle {
        requireNonNull(name, "name is null");
        requireNonNull(type, "type is null");
    }

    ColumnMetadata metadata() {
        return ColumnMetadata.builder()
                .setName(name)
                .setType(type)
                .setComment(partitionKey ? Optional.of("partition key") : Optional.empty())
                .build();
    }
}
