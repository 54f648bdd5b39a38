package io.cachet.conf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static io.cachet.conf.CachetKeys.COORDINATOR_ADDRESS;
import static io.cachet.conf.CachetKeys.NODE_DC;
import static io.cachet.conf.CachetKeys.NODE_RACK;
import static io.cachet.conf.CachetKeys.TLS_CLIENT_AUTH;
import static io.cachet.conf.CachetKeys.TLS_ENABLED;
import static io.cachet.conf.CachetKeys.TLS_KEYSTORE_PASSWORD;
import static io.cachet.conf.CachetKeys.TLS_RELOAD_INTERVAL;
import static io.cachet.conf.CachetKeys.TLS_SERVER_PROTOCOLS;
import static io.cachet.conf.CachetKeys.TLS_TRUSTSTORE_PASSWORD;
import static io.cachet.conf.CachetKeys.WORKER_CACHE_SIZE;
import static io.cachet.conf.CachetKeys.WORKER_PAGE_SIZE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CachetConfigTest {
    @TempDir
    Path directory;

    @Test
    void eachSourceOverridesTheOnesBelowItAndIsRemembered() throws IOException {
        Path confDir = Files.createDirectories(directory.resolve("conf"));
        Files.writeString(confDir.resolve("cachet-site.properties"), """
                cachet.node.dc=site-dc
                cachet.node.rack=site-rack
                cachet.coordinator.address=site:1
                cachet.network.tls.enabled=true
                """);
        Properties system = properties("cachet.node.rack", "system-rack", "cachet.coordinator.address", "system:2", "cachet.network.tls.enabled", "false");

        CachetConfig config = CachetConfig.builder()
                .environment(Map.of("CACHET_CONF_DIR", confDir.toString()))
                .systemProperties(system)
                .engineProperties("Hadoop Configuration", Map.of("cachet.coordinator.address", "engine:3", "fs.defaultFS", "file:///"))
                .build();

        assertThat(config.get(TLS_CLIENT_AUTH)).isEqualTo(ClientAuth.NONE);
        assertThat(config.sourceOf(TLS_CLIENT_AUTH)).contains(ConfigSource.DEFAULT);
        assertThat(config.get(NODE_DC)).isEqualTo("site-dc");
        assertThat(config.sourceOf(NODE_DC).orElseThrow().detail()).isEqualTo("site file " + confDir.resolve("cachet-site.properties"));
        assertThat(config.get(NODE_RACK)).isEqualTo("system-rack");
        assertThat(config.sourceOf(NODE_RACK)).contains(ConfigSource.SYSTEM_PROPERTIES);
        assertThat(config.get(TLS_ENABLED)).isFalse();
        assertThat(config.get(COORDINATOR_ADDRESS)).isEqualTo("engine:3");
        assertThat(config.sourceOf(COORDINATOR_ADDRESS)).contains(ConfigSource.engine("Hadoop Configuration"));
        assertThat(config.isSet(COORDINATOR_ADDRESS)).isTrue();
        assertThat(config.isSet(TLS_CLIENT_AUTH)).isFalse();
    }

    @Test
    void siteFileIsFoundOnTheClasspathWhenNoConfDirIsSet() throws IOException {
        Path classpath = Files.createDirectories(directory.resolve("classpath"));
        Files.writeString(classpath.resolve("cachet-site.properties"), "cachet.node.dc=classpath-dc\n");

        try (URLClassLoader loader = new URLClassLoader(new URL[] {classpath.toUri().toURL()}, null)) {
            CachetConfig config = CachetConfig.builder().environment(Map.of()).systemProperties(new Properties()).classLoader(loader).build();

            assertThat(config.get(NODE_DC)).isEqualTo("classpath-dc");
            assertThat(config.sourceOf(NODE_DC).orElseThrow().kind()).isEqualTo(ConfigSource.Kind.SITE_FILE);
        }
    }

    @Test
    void secretsCanComeFromEnvironmentVariablesAndFiles() throws IOException {
        Path secret = directory.resolve("truststore.password");
        Files.writeString(secret, "from-a-file\n");

        CachetConfig config = isolated(Map.of(
                        "cachet.network.tls.keystore.password", "${env:KEYSTORE_PASSWORD}",
                        "cachet.network.tls.truststore.password", "${file:" + secret + "}"),
                Map.of("KEYSTORE_PASSWORD", "from-the-environment"));

        assertThat(config.get(TLS_KEYSTORE_PASSWORD)).isEqualTo("from-the-environment");
        assertThat(config.get(TLS_TRUSTSTORE_PASSWORD)).isEqualTo("from-a-file");
    }

    @Test
    void missingSecretVariableOrFileIsAClearError() {
        assertThatThrownBy(() -> isolated(Map.of("cachet.network.tls.keystore.password", "${env:NOT_SET_ANYWHERE}"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("cachet.network.tls.keystore.password (from test) refers to environment variable NOT_SET_ANYWHERE, which is not set. Fix: export NOT_SET_ANYWHERE, or give the value inline");

        Path missing = directory.resolve("no-such-secret");
        assertThatThrownBy(() -> isolated(Map.of("cachet.network.tls.truststore.password", "${file:" + missing + "}"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("cachet.network.tls.truststore.password (from test) refers to file " + missing + ", which cannot be read (NoSuchFileException");
    }

    @Test
    void unknownKeyWarnsWithTheClosestKnownKey() {
        CachetConfig config = isolated(Map.of("cachet.network.tls.enable", "true", "cachet.netwrk.tls.truststore.pth", "/x"), Map.of());

        assertThat(config.unknownKeyWarnings()).containsExactlyInAnyOrder(
                "Unknown configuration key 'cachet.netwrk.tls.truststore.pth' (from test): it is ignored. Did you mean 'cachet.network.tls.truststore.path'?",
                "Unknown configuration key 'cachet.network.tls.enable' (from test): it is ignored. Did you mean 'cachet.network.tls.enabled'?");
        assertThat(config.get(TLS_ENABLED)).isFalse();
    }

    @Test
    void badBooleanNamesKeyValueSourceAndAcceptedValues() {
        assertThatThrownBy(() -> CachetConfig.builder().environment(Map.of()).systemProperties(properties("cachet.network.tls.enabled", "yes please"))
                .classLoader(new ClassLoader(null) {}).build())
                .isInstanceOf(ConfigException.class)
                .hasMessage("Invalid value 'yes please' for cachet.network.tls.enabled (from JVM system property): not a boolean. Accepted: true or false");
    }

    @Test
    void negativeDurationIsRefused() {
        assertThatThrownBy(() -> isolated(Map.of("cachet.network.tls.reload.interval", "-5s"), Map.of()))
                .hasMessage("Invalid value '-5s' for cachet.network.tls.reload.interval (from test): a duration cannot be negative. "
                        + "Accepted: a non-negative duration with a unit: ms, s, m, h or d (e.g. 30s, 5m); 0 needs no unit");
    }

    @Test
    void aPageSizeOutsideItsRangeIsRefusedWithTheRange() {
        assertThatThrownBy(() -> isolated(Map.of("cachet.worker.page.size", "32MiB"), Map.of()).get(CachetKeys.WORKER_PAGE_SIZE))
                .hasMessage("Invalid value '32MiB' for cachet.worker.page.size (from test): out of range: 4KiB to 16MiB. "
                        + "Accepted: a size from 4KiB to 16MiB, in bytes with an optional binary unit (e.g. 1MiB)");
        assertThat(isolated(Map.of("cachet.worker.page.size", "4KiB"), Map.of()).get(CachetKeys.WORKER_PAGE_SIZE)).isEqualTo(4096);
    }

    @Test
    void unknownClientAuthListsTheAcceptedValues() {
        assertThatThrownBy(() -> isolated(Map.of("cachet.network.tls.client.auth", "sometimes"), Map.of()))
                .hasMessage("Invalid value 'sometimes' for cachet.network.tls.client.auth (from test): not one of the accepted values. Accepted: one of: none, optional, required");
    }

    @Test
    void secretsAreMaskedWhenDisplayed() {
        CachetConfig config = isolated(Map.of("cachet.network.tls.keystore.password", "hunter2", "cachet.node.dc", "east"), Map.of());

        assertThat(config.display(TLS_KEYSTORE_PASSWORD)).contains("******");
        assertThat(config.display(NODE_DC)).contains("east");
        assertThat(config.toString()).contains("cachet.network.tls.keystore.password=******").doesNotContain("hunter2");
    }

    @Test
    void durationsAndSizesAcceptTheUsualUnits() {
        CachetConfig config = isolated(Map.of(
                "cachet.network.tls.reload.interval", "5m",
                "cachet.worker.cache.size", "512MB",
                "cachet.worker.page.size", "1MiB"), Map.of());

        assertThat(config.get(TLS_RELOAD_INTERVAL)).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.get(WORKER_CACHE_SIZE)).isEqualTo(512L << 20);
        assertThat(config.get(WORKER_PAGE_SIZE)).isEqualTo(1L << 20);
        assertThat(ValueType.parseDuration("0")).isEqualTo(Duration.ZERO);
        assertThat(ValueType.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(ValueType.parseDuration("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(ValueType.parseDuration("14d")).isEqualTo(Duration.ofDays(14));
        assertThat(ValueType.parseDataSize("4096")).isEqualTo(4096);
        assertThat(ValueType.parseDataSize("64KiB")).isEqualTo(64 << 10);
        assertThat(ValueType.parseDataSize("2g")).isEqualTo(2L << 30);
        assertThatThrownBy(() -> ValueType.parseDuration("30")).hasMessage("not a duration with a unit");
        assertThatThrownBy(() -> ValueType.parseDataSize("1XB")).hasMessage("not a size");
    }

    @Test
    void listsAreCommaSeparated() {
        CachetConfig config = isolated(Map.of("cachet.network.tls.server.protocols", " TLSv1.3 , TLSv1.2 "), Map.of());

        assertThat(config.get(TLS_SERVER_PROTOCOLS)).isEqualTo(List.of("TLSv1.3", "TLSv1.2"));
    }

    @Test
    void everyKeyOfTheDesignIsDeclared() {
        List<String> designKeys = List.of(
                "cachet.network.tls.enabled", "cachet.network.tls.keystore.path", "cachet.network.tls.keystore.password",
                "cachet.network.tls.keystore.key.password", "cachet.network.tls.keystore.alias", "cachet.network.tls.keystore.type",
                "cachet.network.tls.certificate.path", "cachet.network.tls.key.path", "cachet.network.tls.key.password",
                "cachet.network.tls.truststore.path", "cachet.network.tls.truststore.password", "cachet.network.tls.truststore.alias",
                "cachet.network.tls.truststore.type", "cachet.network.tls.crl.path", "cachet.network.tls.client.auth",
                "cachet.network.tls.server.protocols", "cachet.network.tls.client.protocols", "cachet.network.tls.ciphers",
                "cachet.network.tls.client.no.endpoint.identification", "cachet.network.tls.provider", "cachet.network.tls.reload.interval",
                "cachet.network.tls.internode.encryption", "cachet.node.dc", "cachet.node.rack",
                "cachet.worker.network.netty.file.transfer", "cachet.worker.cache.dir", "cachet.worker.cache.size", "cachet.spark.ship.truststore");

        assertThat(CachetKeys.all().keySet()).containsAll(designKeys);
        assertThat(CachetKeys.all().values().stream().filter(ConfigKey::isSecret).map(ConfigKey::name))
                .containsExactlyInAnyOrder("cachet.network.tls.keystore.password", "cachet.network.tls.keystore.key.password",
                        "cachet.network.tls.key.password", "cachet.network.tls.truststore.password", "cachet.security.internode.secret",
                        "cachet.etcd.tls.key.password");
    }

    private static CachetConfig isolated(Map<String, String> engine, Map<String, String> environment) {
        return CachetConfig.builder()
                .environment(environment)
                .systemProperties(new Properties())
                .classLoader(new ClassLoader(null) {})
                .engineProperties("test", engine)
                .build();
    }

    private static Properties properties(String... keysAndValues) {
        Properties properties = new Properties();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            properties.setProperty(keysAndValues[i], keysAndValues[i + 1]);
        }
        return properties;
    }
}
