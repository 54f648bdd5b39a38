package io.cachet.trino;

import com.google.inject.Injector;
import io.airlift.bootstrap.Bootstrap;
import io.trino.spi.connector.Connector;
import io.trino.spi.connector.ConnectorContext;
import io.trino.spi.connector.ConnectorFactory;

import java.util.Map;

/**
 * Builds one connector per catalog. The catalog file's {@code cachet.*} client keys (TLS and the rest)
 * become that catalog's Cachet configuration, so two catalogs can reach two clusters with different
 * TLS settings; the connector's own properties go through airlift's configuration, which refuses
 * properties nobody uses.
 */
public class CachetConnectorFactory implements ConnectorFactory {
    @Override
    public String getName() {
        return "cachet";
    }

    @Override
    public Connector create(String catalogName, Map<String, String> config, ConnectorContext context) {
        CatalogProperties properties = CatalogProperties.of(catalogName, config);
        Bootstrap app = new Bootstrap("io.trino.bootstrap.catalog." + catalogName,
                new CachetModule(catalogName, properties.cachetConfig(), context.getTypeManager(), context.getSpiVersion()));
        Injector injector = app
                .doNotInitializeLogging()
                .disableSystemProperties()
                .setRequiredConfigurationProperties(properties.connectorProperties())
                .initialize();
        return injector.getInstance(CachetConnector.class);
    }
}
