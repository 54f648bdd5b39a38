package io.cachet.trino;

import io.cachet.client.CachetClient;
import io.cachet.client.FileStatus;
import io.trino.parquet.Column;
import io.trino.parquet.ParquetReaderOptions;
import io.trino.parquet.reader.MetadataReader;
import io.trino.spi.TrinoException;
import io.trino.spi.type.BigintType;
import io.trino.spi.type.BooleanType;
import io.trino.spi.type.DateType;
import io.trino.spi.type.DecimalType;
import io.trino.spi.type.DoubleType;
import io.trino.spi.type.IntegerType;
import io.trino.spi.type.RealType;
import io.trino.spi.type.SmallintType;
import io.trino.spi.type.TimestampType;
import io.trino.spi.type.TinyintType;
import io.trino.spi.type.Type;
import io.trino.spi.type.VarbinaryType;
import io.trino.spi.type.VarcharType;
import org.apache.parquet.io.ColumnIO;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

import static io.trino.parquet.ParquetTypeUtils.constructField;
import static io.trino.parquet.ParquetTypeUtils.getColumnIO;
import static io.trino.parquet.ParquetTypeUtils.lookupColumnByName;
import static io.trino.spi.StandardErrorCode.NOT_SUPPORTED;

/** Trino columns of a Parquet file: from its footer's schema, and back to trino-parquet's reader columns. */
final class ParquetColumns {
    private ParquetColumns() {}

    static List<CachetColumnHandle> fromFooter(CachetClient client, FileStatus file) throws IOException {
        try (CachetParquetDataSource source = new CachetParquetDataSource(client, file.path(), file.length(), ParquetReaderOptions.defaultOptions())) {
            MessageType schema = MetadataReader.readFooter(source, Optional.empty()).getFileMetaData().getSchema();
            return schema.getFields().stream()
                    .map(field -> new CachetColumnHandle(field.getName(), trinoType(file.path(), field), false))
                    .toList();
        }
    }

    /** The reader's view of {@code columns} in a file with {@code schema}; a column the file lacks reads as NULL. */
    static List<Optional<Column>> readerColumns(MessageType schema, List<CachetColumnHandle> columns) {
        MessageColumnIO io = getColumnIO(schema, schema);
        return columns.stream().map(column -> {
            ColumnIO columnIO = lookupColumnByName(io, column.name());
            return columnIO == null ? Optional.<Column>empty() : constructField(column.type(), columnIO).map(field -> new Column(column.name(), field));
        }).toList();
    }

    private static Type timestampType(LogicalTypeAnnotation.TimeUnit unit) {
        return switch (unit) {
            case MILLIS -> TimestampType.TIMESTAMP_MILLIS;
            case MICROS -> TimestampType.TIMESTAMP_MICROS;
            case NANOS -> TimestampType.TIMESTAMP_NANOS;
        };
    }

    private static Type trinoType(String path, org.apache.parquet.schema.Type field) {
        if (!field.isPrimitive()) {
            throw new TrinoException(NOT_SUPPORTED, "Column %s of %s is nested (%s): the Cachet connector reads flat Parquet schemas".formatted(field.getName(), path, field));
        }
        PrimitiveType primitive = field.asPrimitiveType();
        LogicalTypeAnnotation logical = primitive.getLogicalTypeAnnotation();
        if (logical instanceof LogicalTypeAnnotation.DecimalLogicalTypeAnnotation decimal) {
            return DecimalType.createDecimalType(decimal.getPrecision(), decimal.getScale());
        }
        return switch (primitive.getPrimitiveTypeName()) {
            case BOOLEAN -> BooleanType.BOOLEAN;
            case INT32 -> {
                if (logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation) {
                    yield DateType.DATE;
                }
                if (logical instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation integer && integer.getBitWidth() <= 16) {
                    yield integer.getBitWidth() == 8 ? TinyintType.TINYINT : SmallintType.SMALLINT;
                }
                yield IntegerType.INTEGER;
            }
            case INT64 -> {
                if (logical instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation timestamp) {
                    yield timestampType(timestamp.getUnit());
                }
                yield BigintType.BIGINT;
            }
            case FLOAT -> RealType.REAL;
            case DOUBLE -> DoubleType.DOUBLE;
            case BINARY -> logical == null ? VarbinaryType.VARBINARY : VarcharType.VARCHAR;
            case FIXED_LEN_BYTE_ARRAY, INT96 -> throw new TrinoException(NOT_SUPPORTED, "Column %s of %s has Parquet type %s, which the Cachet connector does not read"
                    .formatted(field.getName(), path, primitive.getPrimitiveTypeName()));
        };
    }
}
