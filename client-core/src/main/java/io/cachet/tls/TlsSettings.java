package io.cachet.tls;

import io.cachet.conf.CachetConfig;
import io.cachet.conf.ClientAuth;
import io.cachet.conf.ConfigException;
import io.cachet.conf.InternodeEncryption;
import io.cachet.conf.StoreType;
import io.cachet.conf.TlsProviderChoice;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static io.cachet.conf.CachetKeys.TLS_CERTIFICATE_PATH;
import static io.cachet.conf.CachetKeys.TLS_CIPHERS;
import static io.cachet.conf.CachetKeys.TLS_CLIENT_AUTH;
import static io.cachet.conf.CachetKeys.TLS_CLIENT_NO_ENDPOINT_IDENTIFICATION;
import static io.cachet.conf.CachetKeys.TLS_CLIENT_PROTOCOLS;
import static io.cachet.conf.CachetKeys.TLS_CRL_PATH;
import static io.cachet.conf.CachetKeys.TLS_ENABLED;
import static io.cachet.conf.CachetKeys.TLS_EXPIRY_WARNING;
import static io.cachet.conf.CachetKeys.TLS_HANDSHAKE_TIMEOUT;
import static io.cachet.conf.CachetKeys.TLS_INTERNODE_ENCRYPTION;
import static io.cachet.conf.CachetKeys.TLS_KEYSTORE_ALIAS;
import static io.cachet.conf.CachetKeys.TLS_KEYSTORE_KEY_PASSWORD;
import static io.cachet.conf.CachetKeys.TLS_KEYSTORE_PASSWORD;
import static io.cachet.conf.CachetKeys.TLS_KEYSTORE_PATH;
import static io.cachet.conf.CachetKeys.TLS_KEYSTORE_TYPE;
import static io.cachet.conf.CachetKeys.TLS_KEY_PASSWORD;
import static io.cachet.conf.CachetKeys.TLS_KEY_PATH;
import static io.cachet.conf.CachetKeys.TLS_PROVIDER;
import static io.cachet.conf.CachetKeys.TLS_RELOAD_INTERVAL;
import static io.cachet.conf.CachetKeys.TLS_SERVER_PROTOCOLS;
import static io.cachet.conf.CachetKeys.TLS_TRUSTSTORE_ALIAS;
import static io.cachet.conf.CachetKeys.TLS_TRUSTSTORE_PASSWORD;
import static io.cachet.conf.CachetKeys.TLS_TRUSTSTORE_PATH;
import static io.cachet.conf.CachetKeys.TLS_TRUSTSTORE_TYPE;
import static java.util.Objects.requireNonNull;

/**
 * The TLS part of a {@link CachetConfig}, checked for combinations that cannot work. Files are not
 * read here; {@link TlsMaterial} reads them.
 */
public record TlsSettings(
        boolean enabled,
        Optional<IdentitySource> identity,
        Optional<TrustSource> trust,
        List<Path> crlFiles,
        ClientAuth clientAuth,
        List<String> serverProtocols,
        List<String> clientProtocols,
        Optional<List<String>> ciphers,
        boolean hostnameVerification,
        TlsProviderChoice provider,
        Duration reloadInterval,
        Duration expiryWarning,
        Duration handshakeTimeout,
        InternodeEncryption internode,
        TlsKeyNames keys) {

    /** Where this node's private key and certificate chain come from. */
    public sealed interface IdentitySource permits KeyStoreIdentity, PemIdentity {
        /** The files this identity is read from, for messages and for reload. */
        List<Path> files();
    }

    public record KeyStoreIdentity(Path path, Optional<String> password, Optional<String> keyPassword, Optional<String> alias, Optional<StoreType> type)
            implements IdentitySource {
        @Override
        public List<Path> files() {
            return List.of(path);
        }

        @Override
        public String toString() {
            return "key store " + path;
        }
    }

    public record PemIdentity(Path certificatePath, Path keyPath, Optional<String> keyPassword) implements IdentitySource {
        @Override
        public List<Path> files() {
            return List.of(certificatePath, keyPath);
        }

        @Override
        public String toString() {
            return "PEM certificate " + certificatePath + " with key " + keyPath;
        }
    }

    public record TrustSource(Path path, Optional<String> password, Optional<String> alias, Optional<StoreType> type) {
        @Override
        public String toString() {
            return "trust store " + path + alias.map(value -> " (alias " + value + ")").orElse("");
        }
    }

    public TlsSettings {
        requireNonNull(identity, "identity is null");
        requireNonNull(trust, "trust is null");
        crlFiles = List.copyOf(crlFiles);
        requireNonNull(clientAuth, "clientAuth is null");
        serverProtocols = List.copyOf(serverProtocols);
        clientProtocols = List.copyOf(clientProtocols);
        ciphers = ciphers.map(List::copyOf);
        requireNonNull(provider, "provider is null");
        requireNonNull(reloadInterval, "reloadInterval is null");
        requireNonNull(expiryWarning, "expiryWarning is null");
        requireNonNull(handshakeTimeout, "handshakeTimeout is null");
        requireNonNull(internode, "internode is null");
        requireNonNull(keys, "keys is null");
    }

    public static TlsSettings from(CachetConfig config) {
        return new TlsSettings(
                config.get(TLS_ENABLED),
                identity(config),
                config.find(TLS_TRUSTSTORE_PATH).map(path -> new TrustSource(
                        Path.of(path),
                        config.find(TLS_TRUSTSTORE_PASSWORD),
                        config.find(TLS_TRUSTSTORE_ALIAS),
                        config.find(TLS_TRUSTSTORE_TYPE))),
                config.find(TLS_CRL_PATH).orElse(List.of()).stream().map(Path::of).toList(),
                config.get(TLS_CLIENT_AUTH),
                config.get(TLS_SERVER_PROTOCOLS),
                config.get(TLS_CLIENT_PROTOCOLS),
                config.find(TLS_CIPHERS),
                !config.get(TLS_CLIENT_NO_ENDPOINT_IDENTIFICATION),
                config.get(TLS_PROVIDER),
                config.get(TLS_RELOAD_INTERVAL),
                config.get(TLS_EXPIRY_WARNING),
                config.get(TLS_HANDSHAKE_TIMEOUT),
                config.find(TLS_INTERNODE_ENCRYPTION).orElse(config.get(TLS_ENABLED) ? InternodeEncryption.ALL : InternodeEncryption.NONE),
                TlsKeyNames.CLUSTER);
    }

    /** Whether a server has what it takes to listen for TLS: its own certificate. */
    public boolean canServeTls() {
        return identity.isPresent();
    }

    private static Optional<IdentitySource> identity(CachetConfig config) {
        Optional<String> keyStore = config.find(TLS_KEYSTORE_PATH);
        Optional<String> certificate = config.find(TLS_CERTIFICATE_PATH);
        Optional<String> key = config.find(TLS_KEY_PATH);
        if (keyStore.isPresent() && (certificate.isPresent() || key.isPresent())) {
            throw new ConfigException("Both %s and %s/%s are set: a node has one identity. Fix: keep the key store or the PEM files, not both"
                    .formatted(TLS_KEYSTORE_PATH, TLS_CERTIFICATE_PATH, TLS_KEY_PATH));
        }
        if (keyStore.isPresent()) {
            return Optional.of(new KeyStoreIdentity(
                    Path.of(keyStore.get()),
                    config.find(TLS_KEYSTORE_PASSWORD),
                    config.find(TLS_KEYSTORE_KEY_PASSWORD),
                    config.find(TLS_KEYSTORE_ALIAS),
                    config.find(TLS_KEYSTORE_TYPE)));
        }
        if (certificate.isPresent() != key.isPresent()) {
            throw new ConfigException("%s and %s go together: one is set (%s) and the other is not. Fix: set both, or neither"
                    .formatted(TLS_CERTIFICATE_PATH, TLS_KEY_PATH, certificate.isPresent() ? TLS_CERTIFICATE_PATH : TLS_KEY_PATH));
        }
        return certificate.map(path -> new PemIdentity(Path.of(path), Path.of(key.orElseThrow()), config.find(TLS_KEY_PASSWORD)));
    }

    @Override
    public String toString() {
        // Passwords stay inside the sources' Optionals and are never printed.
        return "TlsSettings{enabled=%s, identity=%s, trust=%s, crls=%s, clientAuth=%s, serverProtocols=%s, clientProtocols=%s, ciphers=%s, hostnameVerification=%s, provider=%s, internode=%s}"
                .formatted(enabled, identity.map(Object::toString).orElse("none"), trust.map(Object::toString).orElse("JVM default"),
                        crlFiles, clientAuth, serverProtocols, clientProtocols, ciphers.map(Object::toString).orElse("default AEAD"),
                        hostnameVerification, provider, internode);
    }
}
