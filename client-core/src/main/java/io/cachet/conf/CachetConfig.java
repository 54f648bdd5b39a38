package io.cachet.conf;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

import static java.util.Objects.requireNonNull;

/**
 * The effective, validated configuration: every declared key with its typed value and the source
 * that value came from. Built once at the edge (a process start, a FileSystem, a Trino catalog) and
 * never changed; a bad value fails the build naming the key, the value, the source and what is
 * accepted.
 *
 * <p>Sources, lowest precedence first: built-in defaults, {@code cachet-site.properties}
 * ({@code $CACHET_CONF_DIR}, else the classpath), JVM system properties, and the properties an
 * engine hands in (a Hadoop {@code Configuration}, a Trino catalog file).
 */
public final class CachetConfig {
    public static final String SITE_FILE_NAME = "cachet-site.properties";
    public static final String CONF_DIR_VARIABLE = "CACHET_CONF_DIR";
    public static final String MASK = "******";
    private static final Logger log = LoggerFactory.getLogger(CachetConfig.class);

    private final Map<ConfigKey<?>, Object> values;
    private final Map<ConfigKey<?>, ConfigSource> sources;
    private final List<String> unknownKeyWarnings;
    /** Keys under {@link CachetKeys#WORKER_UFS_CONF_PREFIX}, for another system's configuration; never shown, as any may be a secret. */
    private final Map<String, String> passedOn;

    private CachetConfig(Map<ConfigKey<?>, Object> values, Map<ConfigKey<?>, ConfigSource> sources, List<String> unknownKeyWarnings,
            Map<String, String> passedOn) {
        this.values = Map.copyOf(values);
        this.sources = Map.copyOf(sources);
        this.unknownKeyWarnings = List.copyOf(unknownKeyWarnings);
        this.passedOn = Map.copyOf(passedOn);
    }

    /** Defaults, site file and system properties of this JVM; no engine scope. */
    public static CachetConfig load() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The value of a key that has a default, or that must be set. */
    public <T> T get(ConfigKey<T> key) {
        return find(key).orElseThrow(() -> new ConfigException(
                "%s is not set. Fix: set it (%s)".formatted(key.name(), key.description())));
    }

    @SuppressWarnings("unchecked")
    public <T> Optional<T> find(ConfigKey<T> key) {
        return Optional.ofNullable((T) values.get(key));
    }

    /** Whether a source other than the built-in default gave this key a value. */
    public boolean isSet(ConfigKey<?> key) {
        return sources.containsKey(key) && sources.get(key) != ConfigSource.DEFAULT;
    }

    public Optional<ConfigSource> sourceOf(ConfigKey<?> key) {
        return Optional.ofNullable(sources.get(key));
    }

    /** The value as it may be shown to a person: secrets masked, unset keys empty. */
    public <T> Optional<String> display(ConfigKey<T> key) {
        return find(key).map(value -> key.isSecret() ? MASK : key.type().format(value));
    }

    /** The Hadoop keys set as {@code cachet.worker.ufs.conf.<key>}, by Hadoop name, {@code ${file:...}} references read. */
    public Map<String, String> underFileSystemProperties() {
        Map<String, String> found = new TreeMap<>();
        passedOn.forEach((name, value) -> found.put(name.substring(CachetKeys.WORKER_UFS_CONF_PREFIX.length()), value));
        return found;
    }

    /** One warning per unknown {@code cachet.*} key, each naming the closest known key. */
    public List<String> unknownKeyWarnings() {
        return unknownKeyWarnings;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("CachetConfig{");
        CachetKeys.all().values().stream()
                .filter(this::isSet)
                .sorted(Comparator.comparing(ConfigKey::name))
                .forEach(key -> text.append(key.name()).append('=').append(display(key).orElse("")).append(", "));
        return text.append('}').toString();
    }

    public static final class Builder {
        private Map<String, String> environment = System.getenv();
        private Properties systemProperties = System.getProperties();
        private Optional<Path> siteFile = Optional.empty();
        private ClassLoader classLoader;
        private final List<Layer> engineLayers = new ArrayList<>();

        private Builder() {}

        /** Environment for {@code ${env:}} references and {@code CACHET_CONF_DIR}; the process environment by default. */
        public Builder environment(Map<String, String> environment) {
            this.environment = Map.copyOf(environment);
            return this;
        }

        /** The JVM system properties by default. */
        public Builder systemProperties(Properties systemProperties) {
            this.systemProperties = requireNonNull(systemProperties, "systemProperties is null");
            return this;
        }

        /** Use this site file instead of looking in {@code $CACHET_CONF_DIR} and on the classpath. */
        public Builder siteFile(Path siteFile) {
            this.siteFile = Optional.of(siteFile);
            return this;
        }

        /** Where to look for a site file on the classpath; the context class loader by default. */
        public Builder classLoader(ClassLoader classLoader) {
            this.classLoader = requireNonNull(classLoader, "classLoader is null");
            return this;
        }

        /**
         * Properties handed in by an engine, above every other source. Keys outside {@code cachet.*}
         * are ignored, so a whole Hadoop {@code Configuration} may be passed.
         */
        public Builder engineProperties(String scope, Map<String, String> properties) {
            engineLayers.add(new Layer(ConfigSource.engine(scope), Map.copyOf(properties)));
            return this;
        }

        public CachetConfig build() {
            List<Layer> layers = new ArrayList<>();
            readSiteFile().ifPresent(layers::add);
            layers.add(new Layer(ConfigSource.SYSTEM_PROPERTIES, systemPropertiesSnapshot()));
            layers.addAll(engineLayers);

            Map<String, RawValue> raw = new LinkedHashMap<>();
            for (Layer layer : layers) {
                layer.properties().forEach((name, value) -> {
                    if (name.startsWith(CachetKeys.PREFIX)) {
                        raw.put(name, new RawValue(value, layer.source()));
                    }
                });
            }

            Map<ConfigKey<?>, Object> values = new HashMap<>();
            Map<ConfigKey<?>, ConfigSource> sources = new HashMap<>();
            for (ConfigKey<?> key : CachetKeys.all().values()) {
                key.defaultValue().ifPresent(value -> {
                    values.put(key, value);
                    sources.put(key, ConfigSource.DEFAULT);
                });
            }
            List<String> warnings = new ArrayList<>();
            Map<String, String> passedOn = new HashMap<>();
            for (Map.Entry<String, RawValue> entry : new TreeMap<>(raw).entrySet()) {
                ConfigKey<?> key = CachetKeys.all().get(entry.getKey());
                RawValue value = entry.getValue();
                if (key == null && entry.getKey().startsWith(CachetKeys.WORKER_UFS_CONF_PREFIX) && entry.getKey().length() > CachetKeys.WORKER_UFS_CONF_PREFIX.length()) {
                    passedOn.put(entry.getKey(), SecretReference.resolve(entry.getKey(), value.text(), value.source(), environment));
                    continue;
                }
                if (key == null) {
                    String warning = "Unknown configuration key '%s' (from %s): it is ignored. Did you mean '%s'?"
                            .formatted(entry.getKey(), value.source(), KeySuggestion.closest(entry.getKey()));
                    log.warn(warning);
                    warnings.add(warning);
                    continue;
                }
                values.put(key, parse(key, value));
                sources.put(key, value.source());
            }
            return new CachetConfig(values, sources, warnings, passedOn);
        }

        private Object parse(ConfigKey<?> key, RawValue value) {
            String text = SecretReference.resolve(key.name(), value.text(), value.source(), environment);
            try {
                return key.type().parse(text);
            }
            catch (IllegalArgumentException e) {
                String shown = key.isSecret() ? MASK : text.trim();
                throw new ConfigException("Invalid value '%s' for %s (from %s): %s. Accepted: %s"
                        .formatted(shown, key.name(), value.source(), e.getMessage(), key.type().accepted()));
            }
        }

        private Map<String, String> systemPropertiesSnapshot() {
            Map<String, String> snapshot = new HashMap<>();
            for (String name : systemProperties.stringPropertyNames()) {
                snapshot.put(name, systemProperties.getProperty(name));
            }
            return snapshot;
        }

        private Optional<Layer> readSiteFile() {
            if (siteFile.isPresent()) {
                return Optional.of(readFile(siteFile.get()));
            }
            String confDir = environment.get(CONF_DIR_VARIABLE);
            if (confDir != null && !confDir.isBlank()) {
                Path file = Path.of(confDir, SITE_FILE_NAME);
                if (Files.exists(file)) {
                    return Optional.of(readFile(file));
                }
                log.debug("{} is set to {} but holds no {}", CONF_DIR_VARIABLE, confDir, SITE_FILE_NAME);
            }
            ClassLoader loader = classLoader != null ? classLoader : Thread.currentThread().getContextClassLoader();
            if (loader == null) {
                loader = CachetConfig.class.getClassLoader();
            }
            URL resource = loader.getResource(SITE_FILE_NAME);
            if (resource == null) {
                return Optional.empty();
            }
            try (InputStream in = resource.openStream()) {
                Properties properties = new Properties();
                properties.load(in);
                return Optional.of(new Layer(ConfigSource.siteFile(resource.toString()), toMap(properties)));
            }
            catch (IOException e) {
                throw new ConfigException("Cannot read site file " + resource + ": " + e.getMessage(), e);
            }
        }

        private static Layer readFile(Path file) {
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                Properties properties = new Properties();
                properties.load(reader);
                return new Layer(ConfigSource.siteFile(file.toString()), toMap(properties));
            }
            catch (IOException e) {
                throw new ConfigException("Cannot read site file %s (%s). Fix: check %s or the path given"
                        .formatted(file, e.getClass().getSimpleName(), CONF_DIR_VARIABLE), e);
            }
        }

        private static Map<String, String> toMap(Properties properties) {
            Map<String, String> map = new HashMap<>();
            for (String name : properties.stringPropertyNames()) {
                map.put(name, properties.getProperty(name));
            }
            return map;
        }
    }

    private record Layer(ConfigSource source, Map<String, String> properties) {}

    private record RawValue(String text, ConfigSource source) {}
}
