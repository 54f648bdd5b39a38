package io.cachet.trino;

import io.trino.spi.connector.ConnectorTransactionHandle;

/** Cachet has no transactions: a write becomes visible when its query finishes, file by file. */
public enum CachetTransactionHandle implements ConnectorTransactionHandle {
    INSTANCE
}
