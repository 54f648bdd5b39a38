package io.cachet.trino;

import com.google.inject.Inject;
import io.trino.spi.connector.Connector;
import io.trino.spi.connector.ConnectorMetadata;
import io.trino.spi.connector.ConnectorPageSinkProvider;
import io.trino.spi.connector.ConnectorPageSourceProvider;
import io.trino.spi.connector.ConnectorSession;
import io.trino.spi.connector.ConnectorSplitManager;
import io.trino.spi.connector.ConnectorTransactionHandle;
import io.trino.spi.transaction.IsolationLevel;

/** One catalog over one Cachet cluster. */
final class CachetConnector implements Connector {
    private final CachetFiles files;
    private final CachetMetadata metadata;
    private final CachetSplitManager splitManager;
    private final CachetPageSourceProvider pageSourceProvider;
    private final CachetPageSinkProvider pageSinkProvider;

    @Inject
    CachetConnector(CachetFiles files, CachetMetadata metadata, CachetSplitManager splitManager, CachetPageSourceProvider pageSourceProvider,
            CachetPageSinkProvider pageSinkProvider) {
        this.files = files;
        this.metadata = metadata;
        this.splitManager = splitManager;
        this.pageSourceProvider = pageSourceProvider;
        this.pageSinkProvider = pageSinkProvider;
    }

    @Override
    public ConnectorTransactionHandle beginTransaction(IsolationLevel isolationLevel, boolean readOnly, boolean autoCommit) {
        return CachetTransactionHandle.INSTANCE;
    }

    @Override
    public ConnectorMetadata getMetadata(ConnectorSession session, ConnectorTransactionHandle transaction) {
        return metadata;
    }

    @Override
    public ConnectorSplitManager getSplitManager() {
        return splitManager;
    }

    @Override
    public ConnectorPageSourceProvider getPageSourceProvider() {
        return pageSourceProvider;
    }

    @Override
    public ConnectorPageSinkProvider getPageSinkProvider() {
        return pageSinkProvider;
    }

    @Override
    public void shutdown() {
        files.close();
    }
}
