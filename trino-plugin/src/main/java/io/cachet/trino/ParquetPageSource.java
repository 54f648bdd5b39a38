package io.cachet.trino;

import io.trino.parquet.ParquetDataSource;
import io.trino.parquet.reader.ParquetReader;
import io.trino.spi.connector.ConnectorPageSource;
import io.trino.spi.connector.SourcePage;

import java.io.IOException;

/**
 * Pages of the row groups a split owns, from trino-parquet's reader. Columns the file lacks are NULL;
 * partition keys come from the split.
 */
final class ParquetPageSource implements ConnectorPageSource {
    private final ParquetReader reader;
    private final ParquetDataSource source;
    private final PartitionedPages pages;
    private boolean finished;

    ParquetPageSource(ParquetReader reader, ParquetDataSource source, PartitionedPages pages) {
        this.reader = reader;
        this.source = source;
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
            throw CachetErrorCode.failure("Cannot read Parquet file " + source.getId(), e, CachetErrorCode.CACHET_FILESYSTEM_ERROR);
        }
        if (page == null) {
            finished = true;
            return null;
        }
        return pages.assemble(page);
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
