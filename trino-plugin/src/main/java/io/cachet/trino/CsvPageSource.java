package io.cachet.trino;

import io.cachet.client.CachetInputStream;
import io.trino.spi.Page;
import io.trino.spi.block.Block;
import io.trino.spi.block.BlockBuilder;
import io.trino.spi.connector.ConnectorPageSource;
import io.trino.spi.connector.SourcePage;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static io.trino.spi.type.TypeUtils.writeNativeValue;

/** Rows of one CSV file (header line first), read through the Cachet client, fields matched to columns by header name. */
final class CsvPageSource implements ConnectorPageSource {
    private static final int ROWS_PER_PAGE = 4096;
    private static final CSVFormat FORMAT = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get();

    private final CachetInputStream input;
    private final CSVParser parser;
    private final Iterator<CSVRecord> records;
    private final List<CachetColumnHandle> dataColumns;
    private final int[] fieldIndex;
    private final PartitionedPages pages;
    private long readNanos;
    private boolean finished;

    CsvPageSource(CachetInputStream input, List<CachetColumnHandle> requested, Map<String, String> partitionValues) throws IOException {
        this.input = input;
        this.parser = CSVParser.builder().setReader(new InputStreamReader(input, StandardCharsets.UTF_8)).setFormat(FORMAT).get();
        this.records = parser.iterator();
        this.dataColumns = PartitionedPages.dataColumns(requested);
        Map<String, Integer> header = parser.getHeaderMap();
        this.fieldIndex = dataColumns.stream().mapToInt(column -> header.getOrDefault(column.name(), -1)).toArray();
        this.pages = new PartitionedPages(requested, dataColumns, PartitionedPages.inOrder(dataColumns), partitionValues);
    }

    /** The fields of one CSV line, for a header read on its own. */
    static List<String> parseLine(String line) throws IOException {
        try (CSVParser parser = CSVParser.builder().setReader(new StringReader(line)).setFormat(CSVFormat.RFC4180).get()) {
            return parser.getRecords().stream().findFirst().map(CSVRecord::toList).orElse(List.of());
        }
    }

    @Override
    public SourcePage getNextSourcePage() {
        if (finished) {
            return null;
        }
        long start = System.nanoTime();
        BlockBuilder[] builders = dataColumns.stream().map(column -> column.type().createBlockBuilder(null, ROWS_PER_PAGE)).toArray(BlockBuilder[]::new);
        int rows = 0;
        try {
            while (rows < ROWS_PER_PAGE && records.hasNext()) {
                CSVRecord record = records.next();
                for (int i = 0; i < builders.length; i++) {
                    String field = fieldIndex[i] >= 0 && fieldIndex[i] < record.size() ? record.get(fieldIndex[i]) : null;
                    writeNativeValue(dataColumns.get(i).type(), builders[i], TextValues.parse(dataColumns.get(i).type(), field));
                }
                rows++;
            }
        }
        catch (UncheckedIOException e) {
            throw CachetErrorCode.failure("Cannot read CSV file " + input.path(), e, CachetErrorCode.CACHET_FILESYSTEM_ERROR);
        }
        finished = !records.hasNext();
        readNanos += System.nanoTime() - start;
        Block[] blocks = new Block[builders.length];
        for (int i = 0; i < builders.length; i++) {
            blocks[i] = builders[i].build();
        }
        return pages.assemble(SourcePage.create(new Page(rows, blocks)));
    }

    @Override
    public long getCompletedBytes() {
        return input.position();
    }

    @Override
    public long getReadTimeNanos() {
        return readNanos;
    }

    @Override
    public boolean isFinished() {
        return finished;
    }

    @Override
    public long getMemoryUsage() {
        return 0;
    }

    @Override
    public void close() throws IOException {
        parser.close();
    }
}
