package io.cachet.trino;

import com.google.inject.Inject;
import io.trino.spi.connector.ConnectorInsertTableHandle;
import io.trino.spi.connector.ConnectorOutputTableHandle;
import io.trino.spi.connector.ConnectorPageSink;
import io.trino.spi.connector.ConnectorPageSinkId;
import io.trino.spi.connector.ConnectorPageSinkProvider;
import io.trino.spi.connector.ConnectorSession;
import io.trino.spi.connector.ConnectorTableCredentials;
import io.trino.spi.connector.ConnectorTransactionHandle;

import java.io.IOException;
import java.util.Optional;
import java.util.UUID;

/** One Parquet file per writer task, in the write's staging folder. */
final class CachetPageSinkProvider implements ConnectorPageSinkProvider {
    private final CachetFiles files;
    private final CachetModule.CatalogContext catalog;

    @Inject
    CachetPageSinkProvider(CachetFiles files, CachetModule.CatalogContext catalog) {
        this.files = files;
        this.catalog = catalog;
    }

    @Override
    public ConnectorPageSink createPageSink(ConnectorTransactionHandle transaction, ConnectorSession session, ConnectorOutputTableHandle handle,
            Optional<ConnectorTableCredentials> credentials, ConnectorPageSinkId pageSinkId) {
        return sink((CachetWriteHandle) handle);
    }

    @Override
    public ConnectorPageSink createPageSink(ConnectorTransactionHandle transaction, ConnectorSession session, ConnectorInsertTableHandle handle,
            Optional<ConnectorTableCredentials> credentials, ConnectorPageSinkId pageSinkId) {
        return sink((CachetWriteHandle) handle);
    }

    private ConnectorPageSink sink(CachetWriteHandle write) {
        String path = write.stagingPath() + "/" + UUID.randomUUID() + TableFormat.PARQUET.extension();
        try {
            return new ParquetPageSink(path, files.client().create(path, false, true), write.columns(), catalog.trinoVersion());
        }
        catch (IOException e) {
            throw CachetFiles.failure("Cannot start writing " + path, e);
        }
    }
}
