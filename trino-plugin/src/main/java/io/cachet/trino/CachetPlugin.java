package io.cachet.trino;

import io.trino.spi.Plugin;
import io.trino.spi.connector.ConnectorFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;

import static java.util.Objects.requireNonNull;

/**
 * The Cachet connector for Trino: {@code connector.name=cachet} in a catalog properties file. Trino's
 * SPI changes between versions without notice, so the plugin runs only on the Trino it was built for
 * and refuses any other when Trino loads it, naming both versions; otherwise it would load, list tables
 * and fail queries later with errors that do not say why.
 */
public class CachetPlugin implements Plugin {
    private final String runningTrino;

    public CachetPlugin() {
        this(runningTrinoVersion());
    }

    CachetPlugin(String runningTrino) {
        this.runningTrino = requireNonNull(runningTrino, "runningTrino is null");
    }

    @Override
    public Iterable<ConnectorFactory> getConnectorFactories() {
        String builtFor = builtForTrinoVersion();
        if (!builtFor.equals(runningTrino)) {
            throw new IllegalStateException("The Cachet plugin was built for Trino %s and this server runs Trino %s: install the Cachet plugin built for Trino %s (build it with -Ddep.trino.version=%s)"
                    .formatted(builtFor, runningTrino, runningTrino, runningTrino));
        }
        return List.of(new CachetConnectorFactory());
    }

    /** The running server's SPI version, from the SPI jar Trino shares with every plugin. */
    private static String runningTrinoVersion() {
        return read(Plugin.class, "trino-spi-version.txt").strip();
    }

    static String builtForTrinoVersion() {
        Properties properties = new Properties();
        try (InputStream in = CachetPlugin.class.getResourceAsStream("built-for.properties")) {
            properties.load(requireNonNull(in, "built-for.properties is missing from the Cachet plugin jar"));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties.getProperty("trino.version");
    }

    private static String read(Class<?> anchor, String resource) {
        try (InputStream in = anchor.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Cannot tell which Trino runs: %s has no %s".formatted(anchor.getPackageName(), resource));
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
