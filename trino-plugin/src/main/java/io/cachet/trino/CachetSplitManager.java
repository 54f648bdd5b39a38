package io.cachet.trino;

import com.google.inject.Inject;
import io.cachet.client.CachetClient;
import io.trino.spi.HostAddress;
import io.trino.spi.connector.ColumnHandle;
import io.trino.spi.connector.ConnectorSession;
import io.trino.spi.connector.ConnectorSplit;
import io.trino.spi.connector.ConnectorSplitManager;
import io.trino.spi.connector.ConnectorSplitSource;
import io.trino.spi.connector.ConnectorTableHandle;
import io.trino.spi.connector.ConnectorTransactionHandle;
import io.trino.spi.connector.Constraint;
import io.trino.spi.connector.FixedSplitSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A split per CSV file and per byte range of a Parquet file, each addressed to the Cachet worker that
 * owns the file (its pages are cached there), only in the partition folders the predicate admits.
 */
final class CachetSplitManager implements ConnectorSplitManager {
    private final TableLayout layout;
    private final long maxSplitSize;

    @Inject
    CachetSplitManager(TableLayout layout, CachetConnectorConfig config) {
        this.layout = layout;
        this.maxSplitSize = config.getMaxSplitSize().toBytes();
    }

    @Override
    public ConnectorSplitSource getSplits(ConnectorTransactionHandle transaction, ConnectorSession session, ConnectorTableHandle handle,
            Set<ColumnHandle> columns, Constraint constraint) {
        CachetTableHandle table = (CachetTableHandle) handle;
        CachetClient client = layout.client();
        List<ConnectorSplit> splits = new ArrayList<>();
        for (TableLayout.DataFile file : layout.dataFiles(table)) {
            List<HostAddress> owner;
            try {
                owner = List.of(HostAddress.fromString(client.owner(file.path()).host()));
            }
            catch (IOException e) {
                throw CachetFiles.failure("Cannot find the owner of " + file.path(), e);
            }
            long step = table.format() == TableFormat.PARQUET ? maxSplitSize : Math.max(file.length(), 1);
            for (long start = 0; start == 0 || start < file.length(); start += step) {
                splits.add(new CachetSplit(file.path(), start, Math.min(step, file.length() - start), file.length(), file.partitionValues(), owner));
            }
        }
        return new FixedSplitSource(splits);
    }
}
