package io.cachet.trino;

import io.trino.spi.Plugin;
import io.trino.spi.connector.Connector;
import io.trino.spi.connector.ConnectorFactory;
import io.trino.testing.TestingConnectorContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The zip the build makes for {@code plugin/cachet/}: no SPI jar and no SPI class inside, and a
 * connector that loads from it alone, the way Trino's plugin loader does it (SPI packages from the
 * server, everything else from the plugin directory).
 */
class PluginZipIT {
    // The packages Trino's PluginClassLoader takes from the server rather than from the plugin.
    private static final List<String> SPI_PACKAGES = List.of("io.trino.spi.", "com.fasterxml.jackson.annotation.", "io.airlift.slice.",
            "io.opentelemetry.api.", "io.opentelemetry.context.", "io.opentelemetry.common.", "org.locationtech.jts.");

    @TempDir
    Path directory;

    @Test
    void holdsNoSpiAndLoadsAConnectorFromThePluginDirectoryAlone() throws Exception {
        Path pluginDirectory = unzip(Path.of(System.getProperty("cachet.it.plugin.zip")), directory);
        List<Path> jars;
        try (Stream<Path> files = Files.list(pluginDirectory)) {
            jars = files.filter(file -> file.toString().endsWith(".jar")).sorted().toList();
        }
        assertThat(jars).extracting(jar -> jar.getFileName().toString())
                .anyMatch(name -> name.startsWith("cachet-trino-"))
                .anyMatch(name -> name.startsWith("cachet-client-core-"))
                .anyMatch(name -> name.startsWith("trino-parquet-"))
                .noneMatch(name -> name.startsWith("trino-spi-") || name.startsWith("slice-") || name.startsWith("jackson-annotations-")
                        || name.startsWith("opentelemetry-api-") || name.startsWith("opentelemetry-context-") || name.startsWith("jts-core-")
                        || name.startsWith("trino-main-"));
        for (Path jar : jars) {
            assertThat(classes(jar)).as("SPI classes in " + jar.getFileName()).noneMatch(name -> SPI_PACKAGES.stream().anyMatch(name::startsWith));
        }

        try (URLClassLoader plugin = new PluginLoader(jars)) {
            List<Plugin> plugins = ServiceLoader.load(Plugin.class, plugin).stream().map(ServiceLoader.Provider::get).toList();
            assertThat(plugins).hasSize(1);
            assertThat(plugins.get(0).getClass().getClassLoader()).as("loaded from the plugin directory").isSameAs(plugin);
            ConnectorFactory factory = plugins.get(0).getConnectorFactories().iterator().next();
            assertThat(factory.getName()).isEqualTo("cachet");
            ClassLoader previous = Thread.currentThread().getContextClassLoader();
            Thread.currentThread().setContextClassLoader(plugin);
            try {
                Connector connector = factory.create("zip", Map.of("cachet.coordinator.address", "localhost:1"), new TestingConnectorContext());
                connector.shutdown();
            }
            finally {
                Thread.currentThread().setContextClassLoader(previous);
            }
        }
    }

    private static Path unzip(Path zip, Path target) throws IOException {
        Path top = null;
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                Path file = target.resolve(entry.getName()).normalize();
                if (!file.startsWith(target)) {
                    throw new IOException("Entry outside the zip's folder: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(file);
                    top = top == null ? file : top;
                }
                else {
                    Files.createDirectories(file.getParent());
                    Files.copy(in, file);
                }
            }
        }
        return top;
    }

    private static List<String> classes(Path jar) throws IOException {
        List<String> names = new ArrayList<>();
        try (InputStream file = Files.newInputStream(jar); JarInputStream in = new JarInputStream(file)) {
            for (JarEntry entry = in.getNextJarEntry(); entry != null; entry = in.getNextJarEntry()) {
                if (entry.getName().endsWith(".class")) {
                    names.add(entry.getName().replace('/', '.'));
                }
            }
        }
        return names;
    }

    /** Parent-first for SPI packages (from this JVM, as the server provides them), the plugin's jars for the rest. */
    private static final class PluginLoader extends URLClassLoader {
        private final ClassLoader server = PluginZipIT.class.getClassLoader();

        PluginLoader(List<Path> jars) {
            super(jars.stream().map(PluginLoader::url).toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (SPI_PACKAGES.stream().anyMatch(name::startsWith)) {
                return server.loadClass(name);
            }
            return super.loadClass(name, resolve);
        }

        @Override
        public URL getResource(String name) {
            String asClass = name.replace('/', '.');
            if (SPI_PACKAGES.stream().anyMatch(asClass::startsWith)) {
                return server.getResource(name);
            }
            return super.getResource(name);
        }

        private static URL url(Path jar) {
            try {
                return jar.toUri().toURL();
            }
            catch (MalformedURLException e) {
                throw new IllegalArgumentException(e);
            }
        }
    }
}
