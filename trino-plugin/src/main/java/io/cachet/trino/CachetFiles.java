package io.cachet.trino;

import com.google.inject.Inject;
import io.cachet.client.CachetClient;
import io.cachet.conf.CachetConfig;
import io.cachet.conf.ConfigException;
import io.trino.spi.TrinoException;

import java.io.IOException;

/**
 * The catalog's Cachet client, connected on first use: a Trino server starts and lists its catalogs
 * even while a Cachet cluster is down, and the first query says why it cannot reach it.
 */
final class CachetFiles implements AutoCloseable {
    private final CachetConfig config;
    private final CachetModule.CatalogContext catalog;
    private CachetClient client;

    @Inject
    CachetFiles(CachetConfig config, CachetModule.CatalogContext catalog) {
        this.config = config;
        this.catalog = catalog;
    }

    synchronized CachetClient client() {
        if (client == null) {
            try {
                client = CachetClient.connect(config);
            }
            catch (IOException | ConfigException e) {
                // A ConfigException: TLS material that does not load (a missing trust store, a wrong password).
                throw CachetErrorCode.failure("Catalog %s cannot reach its Cachet cluster".formatted(catalog.name()), e, CachetErrorCode.CACHET_UNAVAILABLE);
            }
        }
        return client;
    }

    static TrinoException failure(String action, IOException e) {
        return CachetErrorCode.failure(action, e, CachetErrorCode.CACHET_FILESYSTEM_ERROR);
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
        }
    }
}
