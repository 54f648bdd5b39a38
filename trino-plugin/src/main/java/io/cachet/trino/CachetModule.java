package io.cachet.trino;

import com.google.inject.Binder;
import com.google.inject.Module;
import com.google.inject.Scopes;
import io.cachet.conf.CachetConfig;
import io.trino.spi.type.TypeManager;

import static io.airlift.configuration.ConfigBinder.configBinder;

/** One catalog's connector: its configuration, its Cachet client, and the SPI services over them. */
final class CachetModule implements Module {
    private final CatalogContext catalog;
    private final CachetConfig cachetConfig;
    private final TypeManager typeManager;

    CachetModule(String catalogName, CachetConfig cachetConfig, TypeManager typeManager, String trinoVersion) {
        this.catalog = new CatalogContext(catalogName, trinoVersion);
        this.cachetConfig = cachetConfig;
        this.typeManager = typeManager;
    }

    @Override
    public void configure(Binder binder) {
        configBinder(binder).bindConfig(CachetConnectorConfig.class);
        binder.bind(CatalogContext.class).toInstance(catalog);
        binder.bind(CachetConfig.class).toInstance(cachetConfig);
        binder.bind(TypeManager.class).toInstance(typeManager);
        binder.bind(CachetFiles.class).in(Scopes.SINGLETON);
        binder.bind(TableLayout.class).in(Scopes.SINGLETON);
        binder.bind(CachetMetadata.class).in(Scopes.SINGLETON);
        binder.bind(CachetSplitManager.class).in(Scopes.SINGLETON);
        binder.bind(CachetPageSourceProvider.class).in(Scopes.SINGLETON);
        binder.bind(CachetPageSinkProvider.class).in(Scopes.SINGLETON);
        binder.bind(CachetConnector.class).in(Scopes.SINGLETON);
    }

    /** The catalog's name (for messages) and the Trino version (written into Parquet footers). */
    record CatalogContext(String name, String trinoVersion) {}
}
