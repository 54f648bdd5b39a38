package io.cachet.trino;

import io.trino.parquet.AbstractParquetDataSource;
import io.trino.parquet.Column;
import io.trino.parquet.ParquetDataSource;
import io.trino.parquet.ParquetDataSourceId;
import io.trino.parquet.ParquetReaderOptions;
import io.trino.parquet.metadata.ParquetMetadata;
import io.trino.parquet.reader.MetadataReader;
import io.trino.parquet.reader.ParquetReader;
import io.trino.parquet.reader.RowGroupInfo;
import io.trino.spi.block.Block;
import io.trino.spi.connector.SourcePage;
import io.trino.spi.predicate.TupleDomain;
import io.trino.spi.type.Type;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.schema.MessageType;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.trino.memory.context.AggregatedMemoryContext.newSimpleAggregatedMemoryContext;
import static io.trino.parquet.ParquetTypeUtils.constructField;
import static io.trino.parquet.ParquetTypeUtils.getColumnIO;
import static io.trino.parquet.ParquetTypeUtils.getDescriptors;
import static io.trino.parquet.ParquetTypeUtils.lookupColumnByName;
import static io.trino.parquet.predicate.PredicateUtils.buildPredicate;
import static io.trino.parquet.predicate.PredicateUtils.getFilteredRowGroups;
import static io.trino.spi.type.BigintType.BIGINT;
import static io.trino.spi.type.DoubleType.DOUBLE;
import static io.trino.spi.type.IntegerType.INTEGER;
import static io.trino.spi.type.VarcharType.VARCHAR;
import static org.joda.time.DateTimeZone.UTC;

/**
 * Reads the Parquet files of a table through the Hadoop FileSystem ({@code cachet://}, the path Spark
 * and Hive take), not through the connector: proof that what Trino wrote is plain Parquet in Cachet.
 */
final class HadoopParquetReads {
    private HadoopParquetReads() {}

    /** Every row of every Parquet file in {@code folder}; INT32 and INT64 as Long, strings as String, doubles as Double. */
    static List<List<Object>> rows(Map<String, String> cachetSettings, String folder, List<String> columns) throws Exception {
        Configuration configuration = new Configuration(false);
        cachetSettings.forEach(configuration::set);
        URI cluster = URI.create("cachet://" + cachetSettings.get("cachet.coordinator.address") + "/");
        List<List<Object>> rows = new ArrayList<>();
        try (FileSystem fileSystem = FileSystem.newInstance(cluster, configuration)) {
            for (FileStatus status : fileSystem.listStatus(new Path(folder))) {
                if (status.getPath().getName().endsWith(".parquet")) {
                    byte[] content;
                    try (FSDataInputStream in = fileSystem.open(status.getPath())) {
                        content = in.readAllBytes();
                    }
                    rows.addAll(read(status.getPath().toString(), content, columns));
                }
            }
        }
        return rows;
    }

    private static List<List<Object>> read(String id, byte[] content, List<String> names) throws Exception {
        ParquetReaderOptions options = ParquetReaderOptions.defaultOptions();
        ParquetDataSource source = new AbstractParquetDataSource(new ParquetDataSourceId(id), content.length, options) {
            @Override
            protected void readInternal(long position, byte[] buffer, int offset, int length) {
                System.arraycopy(content, (int) position, buffer, offset, length);
            }
        };
        ParquetMetadata metadata = MetadataReader.readFooter(source, Optional.empty());
        MessageType schema = metadata.getFileMetaData().getSchema();
        MessageColumnIO io = getColumnIO(schema, schema);
        List<Type> types = new ArrayList<>();
        List<Column> columns = new ArrayList<>();
        for (String name : names) {
            Type type = switch (schema.getType(name).asPrimitiveType().getPrimitiveTypeName()) {
                case INT32 -> INTEGER;
                case INT64 -> BIGINT;
                case DOUBLE -> DOUBLE;
                default -> VARCHAR;
            };
            types.add(type);
            columns.add(new Column(name, constructField(type, lookupColumnByName(io, name)).orElseThrow()));
        }
        Map<List<String>, ColumnDescriptor> descriptors = getDescriptors(schema, schema);
        TupleDomain<ColumnDescriptor> all = TupleDomain.all();
        List<RowGroupInfo> rowGroups = getFilteredRowGroups(0, content.length, source, metadata, List.of(all), List.of(buildPredicate(schema, all, descriptors, UTC)),
                descriptors, UTC, 1000, options);
        List<List<Object>> rows = new ArrayList<>();
        try (ParquetReader reader = new ParquetReader(Optional.ofNullable(metadata.getFileMetaData().getCreatedBy()), columns, false, rowGroups, source, UTC,
                newSimpleAggregatedMemoryContext(), options, RuntimeException::new, Optional.empty(), Optional.empty(), Optional.empty())) {
            for (SourcePage page = reader.nextPage(); page != null; page = reader.nextPage()) {
                for (int position = 0; position < page.getPositionCount(); position++) {
                    List<Object> row = new ArrayList<>();
                    for (int channel = 0; channel < types.size(); channel++) {
                        Block block = page.getBlock(channel);
                        Type type = types.get(channel);
                        row.add(type == INTEGER ? (Object) (long) INTEGER.getInt(block, position)
                                : type == BIGINT ? (Object) BIGINT.getLong(block, position)
                                : type == DOUBLE ? (Object) DOUBLE.getDouble(block, position)
                                : VARCHAR.getSlice(block, position).toStringUtf8());
                    }
                    rows.add(row);
                }
            }
        }
        return rows;
    }
}
