package io.cachet.certs;

import io.cachet.certs.CertificateAuthority.Usage;
import io.cachet.certs.CertificateFiles.KeyEncoding;
import io.cachet.certs.CertificateFiles.StoreFormat;
import io.cachet.conf.CachetKeys;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * The material {@code cachet certs generate} writes: a development CA, a node identity with the
 * requested SANs ({@code OU=cachet-node}, what peers accept as a node), a client identity (which is
 * not a node's), each as PEM, JKS and PKCS#12, trust stores holding the CA, and the store passwords
 * and a cluster secret (for plaintext server-to-server calls) in owner-only files.
 */
public final class DevelopmentCertificates {
    public static final String CA_ALIAS = "cachet-ca";
    public static final String SERVER_ALIAS = "server";
    public static final String CLIENT_ALIAS = "client";

    /** Where everything was written. Passwords are in files, never in this object's text. */
    public record Layout(Path directory) {
        public Layout {
            requireNonNull(directory, "directory is null");
        }

        public Path caCertificate() {
            return directory.resolve("ca.crt.pem");
        }

        public Path caKey() {
            return directory.resolve("ca.key.pem");
        }

        public Path serverCertificate() {
            return directory.resolve("server.crt.pem");
        }

        public Path serverKey() {
            return directory.resolve("server.key.pem");
        }

        public Path serverKeyStore(StoreFormat format) {
            return directory.resolve("server." + extension(format));
        }

        public Path clientCertificate() {
            return directory.resolve("client.crt.pem");
        }

        public Path clientKey() {
            return directory.resolve("client.key.pem");
        }

        public Path clientKeyStore(StoreFormat format) {
            return directory.resolve("client." + extension(format));
        }

        public Path trustStore(StoreFormat format) {
            return directory.resolve("truststore." + extension(format));
        }

        public Path keyStorePasswordFile() {
            return directory.resolve("keystore.password");
        }

        public Path trustStorePasswordFile() {
            return directory.resolve("truststore.password");
        }

        public Path clusterSecretFile() {
            return directory.resolve("cluster.secret");
        }

        public Path serverProperties() {
            return directory.resolve("cachet-server.properties");
        }

        public Path clientProperties() {
            return directory.resolve("cachet-client.properties");
        }

        /** Settings for a server using this material; passwords stay in their files, referred to as ${file:...}. */
        public Map<String, String> serverSettings() {
            Map<String, String> settings = new LinkedHashMap<>(clientSettings());
            settings.put(CachetKeys.TLS_KEYSTORE_PATH.name(), serverKeyStore(StoreFormat.PKCS12).toString());
            settings.put(CachetKeys.TLS_KEYSTORE_PASSWORD.name(), "${file:" + keyStorePasswordFile() + "}");
            settings.put(CachetKeys.SECURITY_INTERNODE_SECRET.name(), "${file:" + clusterSecretFile() + "}");
            return settings;
        }

        /** Settings for a client that trusts this material's CA and has no certificate of its own. */
        public Map<String, String> clientSettings() {
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put(CachetKeys.TLS_ENABLED.name(), "true");
            settings.put(CachetKeys.TLS_TRUSTSTORE_PATH.name(), trustStore(StoreFormat.PKCS12).toString());
            settings.put(CachetKeys.TLS_TRUSTSTORE_PASSWORD.name(), "${file:" + trustStorePasswordFile() + "}");
            return settings;
        }

        /** Settings for a client that presents this material's client certificate (servers that ask for one). */
        public Map<String, String> clientWithCertificateSettings() {
            Map<String, String> settings = new LinkedHashMap<>(clientSettings());
            settings.put(CachetKeys.TLS_KEYSTORE_PATH.name(), clientKeyStore(StoreFormat.PKCS12).toString());
            settings.put(CachetKeys.TLS_KEYSTORE_PASSWORD.name(), "${file:" + keyStorePasswordFile() + "}");
            return settings;
        }

        private static String extension(StoreFormat format) {
            return format == StoreFormat.JKS ? "jks" : "p12";
        }
    }

    private DevelopmentCertificates() {}

    public static Layout generate(Path directory, List<String> hosts, Duration validity, KeyAlgorithm algorithm) {
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("At least one host name or address is needed for the server certificate's SANs");
        }
        Layout layout = new Layout(directory.toAbsolutePath());
        CertificateAuthority ca = CertificateAuthority.create("Cachet Development CA", algorithm, validity.plusDays(1));
        IssuedCertificate server = ca.issue(hosts.get(0), hosts, Usage.NODE, algorithm, validity);
        IssuedCertificate client = ca.issue("cachet-client", List.of(), Usage.CLIENT, algorithm, validity);
        String keyStorePassword = randomPassword();
        String trustStorePassword = randomPassword();

        CertificateFiles.writeCertificates(layout.caCertificate(), List.of(ca.certificate()));
        CertificateFiles.writePrivateKey(layout.caKey(), ca.asIssued().privateKey(), KeyEncoding.PKCS8, null);
        CertificateFiles.writeCertificates(layout.serverCertificate(), server.chain());
        CertificateFiles.writePrivateKey(layout.serverKey(), server.privateKey(), KeyEncoding.PKCS8, null);
        CertificateFiles.writeCertificates(layout.clientCertificate(), client.chain());
        CertificateFiles.writePrivateKey(layout.clientKey(), client.privateKey(), KeyEncoding.PKCS8, null);
        for (StoreFormat format : StoreFormat.values()) {
            CertificateFiles.writeKeyStore(layout.serverKeyStore(format), format, keyStorePassword.toCharArray(), Map.of(SERVER_ALIAS, server));
            CertificateFiles.writeKeyStore(layout.clientKeyStore(format), format, keyStorePassword.toCharArray(), Map.of(CLIENT_ALIAS, client));
            CertificateFiles.writeTrustStore(layout.trustStore(format), format, trustStorePassword.toCharArray(), Map.of(CA_ALIAS, ca.certificate()));
        }
        CertificateFiles.writeSecret(layout.keyStorePasswordFile(), keyStorePassword);
        CertificateFiles.writeSecret(layout.trustStorePasswordFile(), trustStorePassword);
        CertificateFiles.writeSecret(layout.clusterSecretFile(), randomPassword() + randomPassword());
        CertificateFiles.writeText(layout.serverProperties(), properties(layout.serverSettings()));
        CertificateFiles.writeText(layout.clientProperties(), properties(layout.clientSettings()));
        return layout;
    }

    /** A cachet-site.properties fragment. */
    private static String properties(Map<String, String> settings) {
        StringBuilder text = new StringBuilder("# Generated by cachet certs generate: development material, not for production.\n");
        settings.forEach((key, value) -> text.append(key).append('=').append(value).append('\n'));
        return text.toString();
    }

    private static String randomPassword() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
