package io.cachet.trino;

import io.cachet.client.CachetClient;
import io.cachet.client.CachetInputStream;
import io.trino.parquet.AbstractParquetDataSource;
import io.trino.parquet.ParquetDataSourceId;
import io.trino.parquet.ParquetReaderOptions;

import java.io.IOException;

/** A Parquet file read through the Cachet client: positioned reads served from the owning worker's cache. */
final class CachetParquetDataSource extends AbstractParquetDataSource {
    private final CachetInputStream input;

    CachetParquetDataSource(CachetClient client, String path, long length, ParquetReaderOptions options) throws IOException {
        super(new ParquetDataSourceId(path), length, options);
        this.input = client.open(path);
    }

    @Override
    protected void readInternal(long position, byte[] buffer, int offset, int length) throws IOException {
        input.readFully(position, buffer, offset, length);
    }

    @Override
    public void close() {
        input.close();
    }
}
