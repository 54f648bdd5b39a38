package io.cachet.trino;

import io.cachet.conf.CachetConfig;
import io.cachet.conf.CachetKeys;
import io.cachet.conf.ConfigException;
import io.cachet.tls.TlsContexts;
import io.cachet.tls.TlsSettings;
import io.trino.spi.TrinoException;

import java.util.HashMap;
import java.util.Map;

/**
 * A catalog file split in two: the Cachet client keys of DESIGN §3, read by Cachet's own
 * configuration (the catalog is the most specific scope, above system properties and the site
 * file), and the connector's properties for airlift. {@code cachet.coordinator.address} is both.
 */
record CatalogProperties(CachetConfig cachetConfig, Map<String, String> connectorProperties) {
    static CatalogProperties of(String catalogName, Map<String, String> catalog) {
        Map<String, String> cachet = new HashMap<>();
        Map<String, String> connector = new HashMap<>();
        catalog.forEach((key, value) -> {
            if (key.startsWith(CachetKeys.PREFIX) && !key.startsWith(CachetKeys.TRINO_PREFIX)) {
                cachet.put(key, value);
            }
            if (!key.startsWith(CachetKeys.PREFIX) || key.startsWith(CachetKeys.TRINO_PREFIX) || key.equals(CachetKeys.COORDINATOR_ADDRESS.name())) {
                connector.put(key, value);
            }
        });
        for (String key : cachet.keySet()) {
            if (!CachetKeys.all().containsKey(key)) {
                throw new TrinoException(CachetErrorCode.CACHET_CONFIGURATION_ERROR, "Catalog %s: unknown property '%s'. Did you mean '%s'? (the cachet.* keys are listed by `cachet conf --all`)"
                        .formatted(catalogName, key, CachetKeys.closest(key)));
            }
        }
        try {
            CachetConfig config = CachetConfig.builder().engineProperties("catalog " + catalogName, cachet).build();
            // Loading the TLS material now makes a wrong password or a missing file fail the catalog, not its first query.
            TlsSettings tls = TlsSettings.from(config);
            if (tls.enabled()) {
                TlsContexts.load(tls);
            }
            return new CatalogProperties(config, Map.copyOf(connector));
        }
        catch (ConfigException e) {
            throw new TrinoException(CachetErrorCode.CACHET_CONFIGURATION_ERROR, "Catalog %s: %s".formatted(catalogName, e.getMessage()), e);
        }
    }
}
