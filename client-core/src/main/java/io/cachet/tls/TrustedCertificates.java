package io.cachet.tls;

import io.cachet.conf.ConfigException;
import io.cachet.conf.StoreType;
import io.cachet.tls.TlsSettings.TrustSource;

import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** The certificates a node trusts as issuers of its peers, and where they came from. */
record TrustedCertificates(List<X509Certificate> certificates, String origin) {
    TrustedCertificates {
        certificates = List.copyOf(certificates);
        requireNonNull(origin, "origin is null");
    }

    static TrustedCertificates load(Optional<TrustSource> source, TlsKeyNames keys) {
        return source.map(file -> fromFile(file, keys)).orElseGet(() -> jvmDefault(keys));
    }

    private static TrustedCertificates fromFile(TrustSource source, TlsKeyNames keys) {
        StoreRole role = StoreRole.TRUST_STORE;
        byte[] content = StoreFile.read(source.path(), role, keys.truststorePath());
        StoreType type = StoreFile.type(content, source.path(), role, source.type());
        Map<String, X509Certificate> byAlias = type == StoreType.PEM
                ? pemEntries(content, source, keys)
                : storeEntries(StoreFile.load(content, type, source.path(), source.password(), role), source);
        if (byAlias.isEmpty()) {
            throw new ConfigException("Trust store %s holds no trusted certificates. Fix: import the CA certificate, or check %s"
                    .formatted(source.path(), keys.truststorePath()));
        }
        if (source.alias().isEmpty()) {
            return new TrustedCertificates(new ArrayList<>(byAlias.values()), source.toString());
        }
        String wanted = source.alias().get();
        return byAlias.entrySet().stream()
                .filter(entry -> entry.getKey().equalsIgnoreCase(wanted))
                .findFirst()
                .map(entry -> new TrustedCertificates(List.of(entry.getValue()), source.toString()))
                .orElseThrow(() -> new ConfigException("Alias '%s' not found in trust store %s; its entries are: %s. Fix: set %s to one of them"
                        .formatted(wanted, source.path(), byAlias.keySet(), role.aliasKey())));
    }

    private static Map<String, X509Certificate> storeEntries(KeyStore store, TrustSource source) {
        Map<String, X509Certificate> entries = new LinkedHashMap<>();
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (store.isCertificateEntry(alias) && store.getCertificate(alias) instanceof X509Certificate certificate) {
                    entries.put(alias, certificate);
                }
            }
        }
        catch (GeneralSecurityException e) {
            throw new ConfigException("Cannot read trust store %s: %s".formatted(source.path(), e.getMessage()), e);
        }
        return entries;
    }

    /** PEM bundles have no aliases: each certificate is known by its common name (or its subject when it has none). */
    private static Map<String, X509Certificate> pemEntries(byte[] content, TrustSource source, TlsKeyNames keys) {
        Map<String, X509Certificate> entries = new LinkedHashMap<>();
        for (X509Certificate certificate : PemFiles.certificates(content, source.path(), keys.truststorePath())) {
            entries.put(CertificateDetails.commonName(certificate).orElse(CertificateDetails.subject(certificate)), certificate);
        }
        return entries;
    }

    private static TrustedCertificates jvmDefault(TlsKeyNames keys) {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init((KeyStore) null);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) {
                    String location = System.getProperty("javax.net.ssl.trustStore", "the JDK's cacerts");
                    return new TrustedCertificates(Arrays.asList(x509.getAcceptedIssuers()), "the JVM's default trust store (" + location + ")");
                }
            }
            throw new ConfigException("The JVM has no default X.509 trust manager. Fix: set " + keys.truststorePath());
        }
        catch (GeneralSecurityException e) {
            throw new ConfigException("Cannot read the JVM's default trust store: %s. Fix: set %s".formatted(e.getMessage(), keys.truststorePath()), e);
        }
    }
}
