package io.cachet.tls;

import io.cachet.conf.CachetKeys;
import io.cachet.conf.ConfigException;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** The allowed protocol versions and cipher suites: TLS 1.2 and 1.3 only, AEAD suites only. */
final class CipherSuites {
    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    private static final Set<String> OUTDATED_PROTOCOLS = Set.of("SSLv2", "SSLv2Hello", "SSLv3", "TLSv1", "TLSv1.1");

    /** Modern AEAD suites, TLS 1.3 first, forward-secret ECDHE only for TLS 1.2. */
    static final List<String> DEFAULT_CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private CipherSuites() {}

    static List<String> protocols(List<String> configured, String key) {
        if (configured.isEmpty()) {
            throw new ConfigException("%s is empty. Fix: list at least one of %s".formatted(key, PROTOCOLS));
        }
        for (String protocol : configured) {
            if (OUTDATED_PROTOCOLS.contains(protocol)) {
                throw new ConfigException("%s lists %s, which Cachet refuses as insecure; only %s are allowed. Fix: remove it from %s"
                        .formatted(key, protocol, PROTOCOLS, key));
            }
            if (!PROTOCOLS.contains(protocol)) {
                throw new ConfigException("%s lists '%s', which is not a supported TLS protocol name. Supported: %s".formatted(key, protocol, PROTOCOLS));
            }
        }
        return List.copyOf(configured);
    }

    /**
     * The configured (or default) suites that {@code provider} supports, after refusing names that are
     * unknown or not AEAD.
     */
    static List<String> ciphers(Optional<List<String>> configured, Set<String> supported, String provider) {
        String key = CachetKeys.TLS_CIPHERS.name();
        if (configured.isEmpty()) {
            return DEFAULT_CIPHERS.stream().filter(supported::contains).toList();
        }
        List<String> wanted = configured.get();
        for (String cipher : wanted) {
            if (!isAead(cipher) && (supported.contains(cipher) || cipher.startsWith("TLS_") || cipher.startsWith("SSL_"))) {
                throw new ConfigException("%s lists %s, which is not an AEAD cipher suite; Cachet allows AEAD suites only (GCM, CCM, CHACHA20_POLY1305). Supported: %s"
                        .formatted(key, cipher, supportedAead(supported)));
            }
            if (!supported.contains(cipher)) {
                throw new ConfigException("%s lists '%s', which the %s TLS provider does not know. Supported: %s"
                        .formatted(key, cipher, provider, supportedAead(supported)));
            }
        }
        if (wanted.isEmpty()) {
            throw new ConfigException("%s is empty. Fix: list at least one of %s".formatted(key, supportedAead(supported)));
        }
        return List.copyOf(wanted);
    }

    static boolean isAead(String cipher) {
        String name = cipher.toUpperCase(Locale.ROOT);
        return name.contains("_GCM_") || name.contains("_CCM") || name.contains("CHACHA20_POLY1305");
    }

    private static Set<String> supportedAead(Set<String> supported) {
        Set<String> aead = new TreeSet<>();
        for (String cipher : supported) {
            if (isAead(cipher) && !cipher.startsWith("SSL_") && !cipher.contains("_anon_") && !cipher.contains("_PSK_")) {
                aead.add(cipher);
            }
        }
        return aead;
    }
}
