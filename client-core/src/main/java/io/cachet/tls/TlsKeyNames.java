package io.cachet.tls;

import io.cachet.conf.CachetKeys;

/**
 * The keys that configure one TLS connection kind, so that every message about its material or its
 * handshakes names the key a user must change: the cluster's own TLS, or the connection to etcd.
 */
public record TlsKeyNames(
        String turnTlsOn,
        String turnTlsOff,
        String identity,
        String certificatePath,
        String keyPath,
        String keyPassword,
        String truststorePath,
        String crlPath,
        String clientProtocols,
        String ciphers,
        String noEndpointIdentification,
        String handshakeTimeout) {

    /** Cachet's own planes: clients, workers and the coordinator. */
    public static final TlsKeyNames CLUSTER = new TlsKeyNames(
            "set " + CachetKeys.TLS_ENABLED.name() + "=true",
            "set " + CachetKeys.TLS_ENABLED.name() + "=false",
            "%s (or %s and %s)".formatted(CachetKeys.TLS_KEYSTORE_PATH.name(), CachetKeys.TLS_CERTIFICATE_PATH.name(), CachetKeys.TLS_KEY_PATH.name()),
            CachetKeys.TLS_CERTIFICATE_PATH.name(),
            CachetKeys.TLS_KEY_PATH.name(),
            CachetKeys.TLS_KEY_PASSWORD.name(),
            CachetKeys.TLS_TRUSTSTORE_PATH.name(),
            CachetKeys.TLS_CRL_PATH.name(),
            CachetKeys.TLS_CLIENT_PROTOCOLS.name(),
            CachetKeys.TLS_CIPHERS.name(),
            CachetKeys.TLS_CLIENT_NO_ENDPOINT_IDENTIFICATION.name(),
            CachetKeys.TLS_HANDSHAKE_TIMEOUT.name());

    /** The connection from a Cachet node or client to etcd, configured as etcd's own clients are. */
    public static final TlsKeyNames ETCD = new TlsKeyNames(
            "write the endpoints as https:// in " + CachetKeys.ETCD_ENDPOINTS.name(),
            "write the endpoints as http:// in " + CachetKeys.ETCD_ENDPOINTS.name(),
            "%s and %s".formatted(CachetKeys.ETCD_TLS_CERTIFICATE_PATH.name(), CachetKeys.ETCD_TLS_KEY_PATH.name()),
            CachetKeys.ETCD_TLS_CERTIFICATE_PATH.name(),
            CachetKeys.ETCD_TLS_KEY_PATH.name(),
            CachetKeys.ETCD_TLS_KEY_PASSWORD.name(),
            CachetKeys.ETCD_TLS_CA_PATH.name(),
            CachetKeys.TLS_CRL_PATH.name(),
            CachetKeys.TLS_CLIENT_PROTOCOLS.name(),
            CachetKeys.TLS_CIPHERS.name(),
            CachetKeys.ETCD_TLS_NO_ENDPOINT_IDENTIFICATION.name(),
            CachetKeys.ETCD_TIMEOUT.name());
}
