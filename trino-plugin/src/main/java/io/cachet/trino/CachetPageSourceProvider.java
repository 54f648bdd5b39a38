package io.cachet.trino;

import com.google.inject.Inject;
import io.cachet.client.CachetClient;
import io.trino.parquet.Column;
import io.trino.parquet.ParquetReaderOptions;
import io.trino.parquet.metadata.ParquetMetadata;
import io.trino.parquet.predicate.TupleDomainParquetPredicate;
import io.trino.parquet.reader.MetadataReader;
import io.trino.parquet.reader.ParquetReader;
import io.trino.parquet.reader.RowGroupInfo;
import io.trino.spi.connector.ColumnHandle;
import io.trino.spi.connector.ConnectorPageSource;
import io.trino.spi.connector.ConnectorPageSourceProvider;
import io.trino.spi.connector.ConnectorSession;
import io.trino.spi.connector.ConnectorSplit;
import io.trino.spi.connector.ConnectorTableCredentials;
import io.trino.spi.connector.ConnectorTableHandle;
import io.trino.spi.connector.ConnectorTransactionHandle;
import io.trino.spi.connector.DynamicFilter;
import io.trino.spi.predicate.Domain;
import io.trino.spi.predicate.TupleDomain;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.schema.MessageType;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.trino.memory.context.AggregatedMemoryContext.newSimpleAggregatedMemoryContext;
import static io.trino.parquet.ParquetTypeUtils.getDescriptors;
import static io.trino.parquet.predicate.PredicateUtils.buildPredicate;
import static io.trino.parquet.predicate.PredicateUtils.getFilteredRowGroups;
import static org.joda.time.DateTimeZone.UTC;

/** Opens a split: a CSV file, or the row groups of a Parquet file that start in the split and whose statistics can match the predicate. */
final class CachetPageSourceProvider implements ConnectorPageSourceProvider {
    // As Trino's Hive connector: larger discrete domains are compacted to ranges before row-group pruning.
    private static final int DOMAIN_COMPACTION_THRESHOLD = 1000;

    private final CachetFiles files;

    @Inject
    CachetPageSourceProvider(CachetFiles files) {
        this.files = files;
    }

    @Override
    public ConnectorPageSource createPageSource(ConnectorTransactionHandle transaction, ConnectorSession session, ConnectorSplit connectorSplit,
            ConnectorTableHandle connectorTable, Optional<ConnectorTableCredentials> credentials, List<ColumnHandle> columns, DynamicFilter dynamicFilter) {
        CachetSplit split = (CachetSplit) connectorSplit;
        CachetTableHandle table = (CachetTableHandle) connectorTable;
        List<CachetColumnHandle> requested = columns.stream().map(CachetColumnHandle.class::cast).toList();
        CachetClient client = files.client();
        try {
            if (table.format() == TableFormat.CSV) {
                return new CsvPageSource(client.open(split.path()), requested, split.partitionValues());
            }
            return parquet(client, split, table, requested);
        }
        catch (IOException e) {
            throw CachetErrorCode.failure("Cannot open " + split.path(), e, CachetErrorCode.CACHET_FILESYSTEM_ERROR);
        }
    }

    private static ConnectorPageSource parquet(CachetClient client, CachetSplit split, CachetTableHandle table, List<CachetColumnHandle> requested) throws IOException {
        ParquetReaderOptions options = ParquetReaderOptions.defaultOptions();
        CachetParquetDataSource source = new CachetParquetDataSource(client, split.path(), split.fileLength(), options);
        try {
            ParquetMetadata metadata = MetadataReader.readFooter(source, Optional.empty());
            MessageType schema = metadata.getFileMetaData().getSchema();
            List<CachetColumnHandle> dataColumns = PartitionedPages.dataColumns(requested);
            List<Optional<Column>> readerColumns = ParquetColumns.readerColumns(schema, dataColumns);
            List<Column> present = new ArrayList<>();
            int[] readerChannel = new int[dataColumns.size()];
            for (int i = 0; i < readerColumns.size(); i++) {
                readerChannel[i] = readerColumns.get(i).isPresent() ? present.size() : -1;
                readerColumns.get(i).ifPresent(present::add);
            }

            Map<List<String>, ColumnDescriptor> descriptors = getDescriptors(schema, schema);
            TupleDomain<ColumnDescriptor> predicateDomain = predicateOnFile(table, descriptors);
            TupleDomainParquetPredicate predicate = buildPredicate(schema, predicateDomain, descriptors, UTC);
            List<RowGroupInfo> rowGroups = getFilteredRowGroups(split.start(), split.length(), source, metadata, List.of(predicateDomain), List.of(predicate),
                    descriptors, UTC, DOMAIN_COMPACTION_THRESHOLD, options);
            ParquetReader reader = new ParquetReader(Optional.ofNullable(metadata.getFileMetaData().getCreatedBy()), present, false, rowGroups, source, UTC,
                    newSimpleAggregatedMemoryContext(), options, exception -> CachetErrorCode.failure("Cannot read Parquet file " + split.path(), exception, CachetErrorCode.CACHET_FILESYSTEM_ERROR),
                    Optional.of(predicate), Optional.empty(), Optional.empty());
            return new ParquetPageSource(reader, source, new PartitionedPages(requested, dataColumns, readerChannel, split.partitionValues()));
        }
        catch (IOException | RuntimeException e) {
            source.close();
            throw e;
        }
    }

    /** The pushed-down predicate on data columns, keyed by the file's column descriptors. */
    private static TupleDomain<ColumnDescriptor> predicateOnFile(CachetTableHandle table, Map<List<String>, ColumnDescriptor> descriptors) {
        Optional<Map<ColumnHandle, Domain>> domains = table.constraint().getDomains();
        if (domains.isEmpty()) {
            return TupleDomain.none();
        }
        Map<ColumnDescriptor, Domain> onFile = new HashMap<>();
        domains.get().forEach((handle, domain) -> {
            CachetColumnHandle column = (CachetColumnHandle) handle;
            ColumnDescriptor descriptor = descriptors.get(List.of(column.name()));
            if (!column.partitionKey() && descriptor != null) {
                onFile.put(descriptor, domain);
            }
        });
        return TupleDomain.withColumnDomains(onFile);
    }
}
