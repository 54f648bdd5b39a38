package io.cachet.tls;

import io.cachet.certs.CertificateAuthority;
import io.cachet.certs.CertificateAuthority.Usage;
import io.cachet.certs.CertificateFiles;
import io.cachet.certs.CertificateFiles.KeyEncoding;
import io.cachet.certs.CertificateFiles.StoreFormat;
import io.cachet.certs.IssuedCertificate;
import io.cachet.certs.KeyAlgorithm;
import io.cachet.conf.CachetConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Certificates generated at test time, written in every format, and settings that use them.
 * Nothing here trusts blindly: every handshake in the tests is verified against a generated CA.
 */
public final class TestPki {
    public static final String PASSWORD = "store-secret";
    public static final String KEY_PASSWORD = "key-secret";
    public static final List<String> LOOPBACK_HOSTS = List.of("localhost", "127.0.0.1");

    private final Path directory;
    private final CertificateAuthority ca;

    private TestPki(Path directory, CertificateAuthority ca) {
        this.directory = directory;
        this.ca = ca;
    }

    public static TestPki create(Path directory, String caName) {
        return new TestPki(directory, CertificateAuthority.create(caName, KeyAlgorithm.EC, Duration.ofDays(2)));
    }

    public static TestPki create(Path directory, String caName, KeyAlgorithm algorithm) {
        return new TestPki(directory, CertificateAuthority.create(caName, algorithm, Duration.ofDays(2)));
    }

    public CertificateAuthority ca() {
        return ca;
    }

    public IssuedCertificate server(List<String> hosts) {
        return server(hosts, KeyAlgorithm.EC);
    }

    public IssuedCertificate server(List<String> hosts, KeyAlgorithm algorithm) {
        return ca.issue(hosts.get(0), hosts, Usage.NODE, algorithm, Duration.ofDays(1));
    }

    public IssuedCertificate client(String name) {
        return ca.issue(name, List.of(), Usage.CLIENT, KeyAlgorithm.EC, Duration.ofDays(1));
    }

    /** A PKCS#12 trust store with this CA under alias "ca". */
    public Path trustStore() {
        Path file = file("truststore", ".p12");
        CertificateFiles.writeTrustStore(file, StoreFormat.PKCS12, PASSWORD.toCharArray(), Map.of("ca", ca.certificate()));
        return file;
    }

    public Path caPem() {
        Path file = file("ca", ".pem");
        CertificateFiles.writeCertificates(file, List.of(ca.certificate()));
        return file;
    }

    public Path keyStore(StoreFormat format, Map<String, IssuedCertificate> entries) {
        Path file = file("keystore", format == StoreFormat.JKS ? ".jks" : ".p12");
        CertificateFiles.writeKeyStore(file, format, PASSWORD.toCharArray(), entries);
        return file;
    }

    /** PEM chain and key; the key encrypted with {@link #KEY_PASSWORD} when {@code encrypted}. */
    public Path[] pem(IssuedCertificate identity, KeyEncoding encoding, boolean encrypted) {
        Path certificate = file("cert", ".pem");
        Path key = file("key", ".pem");
        CertificateFiles.writeCertificates(certificate, identity.chain());
        CertificateFiles.writePrivateKey(key, identity.privateKey(), encoding, encrypted ? KEY_PASSWORD.toCharArray() : null);
        return new Path[] {certificate, key};
    }

    public Path crl(List<X509Certificate> revoked) {
        Path file = file("crl", ".pem");
        CertificateFiles.writeRevocationList(file, ca.revocationList(revoked, Duration.ofDays(1)));
        return file;
    }

    /** Settings for a node with a PKCS#12 key store holding {@code identity} that trusts this CA. */
    public Map<String, String> nodeSettings(IssuedCertificate identity) {
        Map<String, String> settings = trustSettings();
        settings.put("cachet.network.tls.keystore.path", keyStore(StoreFormat.PKCS12, Map.of("node", identity)).toString());
        settings.put("cachet.network.tls.keystore.password", PASSWORD);
        return settings;
    }

    /**
     * Settings for a client that trusts this CA and has no certificate of its own. Under
     * {@code -Dcachet.test.tls.provider=jdk|openssl} (the build runs the TLS tests once per provider)
     * every node and client built from these settings uses that provider; tests that compare
     * providers set their own.
     */
    public Map<String, String> trustSettings() {
        Map<String, String> settings = new HashMap<>();
        String provider = System.getProperty("cachet.test.tls.provider");
        if (provider != null && !provider.isBlank()) {
            settings.put("cachet.network.tls.provider", provider);
        }
        settings.put("cachet.network.tls.enabled", "true");
        settings.put("cachet.network.tls.truststore.path", trustStore().toString());
        settings.put("cachet.network.tls.truststore.password", PASSWORD);
        return settings;
    }

    /** Builds configuration from these properties alone: no site file, no system properties. */
    public static CachetConfig config(Map<String, String> properties) {
        return CachetConfig.builder()
                .environment(Map.of())
                .systemProperties(new Properties())
                .classLoader(new ClassLoader(null) {})
                .engineProperties("test", properties)
                .build();
    }

    public static TlsContexts contexts(Map<String, String> properties) {
        return TlsContexts.load(TlsSettings.from(config(properties)));
    }

    // Unique across every TestPki sharing the directory.
    private Path file(String prefix, String suffix) {
        try {
            return Files.createTempFile(directory, prefix + "-", suffix);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
