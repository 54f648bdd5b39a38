package io.cachet.trino;

import io.trino.spi.Plugin;
import io.trino.spi.connector.ConnectorFactory;

import java.util.List;

/** The Cachet connector for Trino: {@code connector.name=cachet} in a catalog properties file. */
public class CachetPlugin implements Plugin {
    @Override
    public Iterable<ConnectorFactory> getConnectorFactories() {
        return List.of(new CachetConnectorFactory());
    }
}
