package io.cachet.trino;

import io.trino.parquet.ParquetDataSource;
import io.trino.parquet.reader.ParquetReader;
import io.trino.spi.TrinoException;
import io.trino.spi.block.Block;
import io.trino.spi.block.RunLengthEncodedBlock;
import io.trino.spi.connector.ConnectorPageSource;
import io.trino.spi.connector.SourcePage;

import java.io.IOException;
import java.util.List;

import static io.trino.spi.StandardErrorCode.GENERIC_INTERNAL_ERROR;

/**
 * Pages of the row groups a split owns, from trino-parquet's reader. Columns the file lacks are NULL;
 * partition keys come from the split.
 */
final class ParquetPageSource implements ConnectorPageSource {
    private final ParquetReader reader;
    private final ParquetDataSource source;
    private final int[] readerChannel;
    private final List<CachetColumnHandle> dataColumns;
    private final PartitionedPages pages;
    private boolean finished;

    /** {@code readerChannel[i]} is the reader channel of data column i, or -1 when the file lacks it. */
    ParquetPageSource(ParquetReader reader, ParquetDataSource source, int[] readerChannel, List<CachetColumnHandle> dataColumns, PartitionedPages pages) {
        this.reader = reader;
        this.source = source;
        this.readerChannel = readerChannel.clone();
        this.dataColumns = List.copyOf(dataColumns);
        this.pages = pages;
    }

    @Override
    public SourcePage getNextSourcePage() {
        if (finished) {
            return null;
        }
        SourcePage page;
        try {
            page = reader.nextPage();
        }
        catch (IOException e) {
            throw new TrinoException(GENERIC_INTERNAL_ERROR, "Cannot read Parquet file %s: %s".formatted(source.getId(), e.getMessage()), e);
        }
        if (page == null) {
            finished = true;
            return null;
        }
        int positions = page.getPositionCount();
        Block[] blocks = new Block[readerChannel.length];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = readerChannel[i] >= 0 ? page.getBlock(readerChannel[i]) : RunLengthEncodedBlock.create(dataColumns.get(i).type(), null, positions);
        }
        return pages.assemble(SourcePage.create(new io.trino.spi.Page(positions, blocks)));
    }

    @Override
    public long getCompletedBytes() {
        return source.getReadBytes();
    }

    @Override
    public long getReadTimeNanos() {
        return source.getReadTimeNanos();
    }

    @Override
    public boolean isFinished() {
        return finished;
    }

    @Override
    public long getMemoryUsage() {
        return reader.getMemoryContext().getBytes();
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
