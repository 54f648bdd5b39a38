package io.cachet.etcd;

import io.cachet.conf.CachetConfig;
import io.cachet.conf.CachetKeys;
import io.cachet.conf.ClientAuth;
import io.cachet.conf.ConfigException;
import io.cachet.conf.InternodeEncryption;
import io.cachet.conf.StoreType;
import io.cachet.tls.TlsKeyNames;
import io.cachet.tls.TlsSettings;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * How to reach etcd: its client URLs, this cluster's key prefix, the deadline, and TLS the way etcd's own
 * clients configure it (a CA file, a client certificate and key in PEM). The scheme of the endpoints
 * decides TLS: {@code https://} for all of them, or {@code http://} for all of them.
 */
public record EtcdSettings(List<URI> endpoints, String namespace, Duration timeout, Duration leaseTtl, TlsSettings tls) {
    public EtcdSettings {
        endpoints = List.copyOf(endpoints);
        requireNonNull(namespace, "namespace is null");
        requireNonNull(timeout, "timeout is null");
        requireNonNull(leaseTtl, "leaseTtl is null");
        requireNonNull(tls, "tls is null");
    }

    /** The etcd settings of {@code config}; fails with the key to set when the endpoints are missing or malformed. */
    public static EtcdSettings from(CachetConfig config) {
        List<String> values = config.find(CachetKeys.ETCD_ENDPOINTS).orElse(List.of());
        String key = CachetKeys.ETCD_ENDPOINTS.name();
        if (values.isEmpty()) {
            throw new ConfigException("%s=etcd needs the etcd servers. Fix: set %s to their client URLs, e.g. https://etcd-0:2379,https://etcd-1:2379"
                    .formatted(CachetKeys.MEMBERSHIP_STORE.name(), key));
        }
        List<URI> endpoints = values.stream().map(value -> endpoint(value, key)).toList();
        long secure = endpoints.stream().filter(uri -> uri.getScheme().equals("https")).count();
        if (secure != 0 && secure != endpoints.size()) {
            throw new ConfigException("%s mixes https:// and http:// endpoints (%s). Fix: reach every etcd server the same way".formatted(key, values));
        }
        boolean tlsEnabled = secure > 0;
        Optional<String> ca = config.find(CachetKeys.ETCD_TLS_CA_PATH);
        Optional<String> certificate = config.find(CachetKeys.ETCD_TLS_CERTIFICATE_PATH);
        Optional<String> privateKey = config.find(CachetKeys.ETCD_TLS_KEY_PATH);
        if (!tlsEnabled && (ca.isPresent() || certificate.isPresent())) {
            throw new ConfigException("%s are plaintext (http://) but etcd TLS files are set (%s). Fix: write the endpoints as https://, or remove the TLS files"
                    .formatted(key, ca.isPresent() ? CachetKeys.ETCD_TLS_CA_PATH.name() : CachetKeys.ETCD_TLS_CERTIFICATE_PATH.name()));
        }
        if (certificate.isPresent() != privateKey.isPresent()) {
            throw new ConfigException("%s and %s go together: one is set and the other is not. Fix: set both, or neither"
                    .formatted(CachetKeys.ETCD_TLS_CERTIFICATE_PATH.name(), CachetKeys.ETCD_TLS_KEY_PATH.name()));
        }
        String namespace = config.get(CachetKeys.ETCD_NAMESPACE);
        if (!namespace.startsWith("/") || namespace.endsWith("/") || namespace.length() > 200) {
            throw new ConfigException("Invalid value '%s' for %s: expected a key prefix such as /cachet/prod (starts with /, no trailing /, at most 200 characters)"
                    .formatted(namespace, CachetKeys.ETCD_NAMESPACE.name()));
        }
        Duration timeout = config.get(CachetKeys.ETCD_TIMEOUT);
        TlsSettings tls = new TlsSettings(
                tlsEnabled,
                certificate.map(path -> new TlsSettings.PemIdentity(Path.of(path), Path.of(privateKey.orElseThrow()), config.find(CachetKeys.ETCD_TLS_KEY_PASSWORD))),
                ca.map(path -> new TlsSettings.TrustSource(Path.of(path), Optional.empty(), Optional.empty(), Optional.of(StoreType.PEM))),
                List.of(),
                ClientAuth.NONE,
                config.get(CachetKeys.TLS_CLIENT_PROTOCOLS),
                config.get(CachetKeys.TLS_CLIENT_PROTOCOLS),
                config.find(CachetKeys.TLS_CIPHERS),
                !config.get(CachetKeys.ETCD_TLS_NO_ENDPOINT_IDENTIFICATION),
                config.get(CachetKeys.TLS_PROVIDER),
                config.get(CachetKeys.TLS_RELOAD_INTERVAL),
                config.get(CachetKeys.TLS_EXPIRY_WARNING),
                timeout,
                InternodeEncryption.NONE,
                TlsKeyNames.ETCD);
        return new EtcdSettings(endpoints, namespace, timeout, config.get(CachetKeys.ETCD_LEASE_TTL), tls);
    }

    /** The prefix under which workers are kept: {@code <namespace>/workers/}. */
    public String workersPrefix() {
        return namespace + "/workers/";
    }

    private static URI endpoint(String value, String key) {
        try {
            URI uri = new URI(value.trim());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null || uri.getPort() < 0) {
                throw new IllegalArgumentException("not scheme://host:port");
            }
            return new URI(scheme, null, uri.getHost(), uri.getPort(), null, null, null);
        }
        catch (URISyntaxException | IllegalArgumentException e) {
            throw new ConfigException("Invalid etcd endpoint '%s' in %s: expected https://host:port (or http://host:port for plaintext etcd)".formatted(value, key));
        }
    }
}
