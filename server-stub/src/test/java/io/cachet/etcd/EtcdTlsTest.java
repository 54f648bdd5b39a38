package io.cachet.etcd;

import io.cachet.certs.CertificateFiles;
import io.cachet.certs.CertificateFiles.KeyEncoding;
import io.cachet.certs.IssuedCertificate;
import io.cachet.conf.CachetKeys;
import io.cachet.conf.MembershipStore;
import io.cachet.testing.Eventually;
import io.cachet.tls.CertificateDetails;
import io.cachet.tls.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The connection to a real etcd: each way TLS can be wrong gives a message that names the etcd
 * endpoint, the cause and the key to change; a client certificate rotated in place serves the
 * connections opened after it, without a restart.
 */
@Timeout(300)
class EtcdTlsTest {
    @TempDir
    static Path directory;
    private static TestPki pki;
    private static Path[] clientPem;

    @BeforeAll
    static void certificates() {
        pki = TestPki.create(directory, "Etcd CA");
        clientPem = pki.pem(pki.client("cachet-client"), KeyEncoding.PKCS8, false);
    }

    @Test
    void aServerFromAnUntrustedCaNamesTheEndpointAndTheCaKey() throws Exception {
        TestPki other = TestPki.create(directory, "Other CA");
        try (EtcdServer etcd = EtcdServer.startTls(directory.resolve("untrusted"), serverTls(pki, List.of("localhost", "127.0.0.1"), Optional.empty()))) {
            Map<String, String> settings = settings(etcd.endpoint(), other.caPem(), Optional.empty());
            assertRefused(settings, etcd.endpoint(), "not trusted", CachetKeys.ETCD_TLS_CA_PATH.name());
        }
    }

    @Test
    void aClientCertificateEtcdDoesNotTrustOrNoneAtAllNamesTheCertificateKeys() throws Exception {
        TestPki other = TestPki.create(directory, "Rogue CA");
        Path[] rogue = other.pem(other.client("rogue"), KeyEncoding.PKCS8, false);
        try (EtcdServer etcd = EtcdServer.startTls(directory.resolve("client-auth"), serverTls(pki, List.of("localhost", "127.0.0.1"), Optional.of(pki.caPem())))) {
            assertRefused(settings(etcd.endpoint(), pki.caPem(), Optional.of(rogue)), etcd.endpoint(), "refused this client's certificate",
                    CachetKeys.ETCD_TLS_CERTIFICATE_PATH.name());
            assertRefused(settings(etcd.endpoint(), pki.caPem(), Optional.empty()), etcd.endpoint(), "client certificate",
                    CachetKeys.ETCD_TLS_CERTIFICATE_PATH.name());
            // The same server with the right certificate: the refusals above are about the certificate, not the server.
            try (EtcdClient client = EtcdClient.create(EtcdSettings.from(TestPki.config(settings(etcd.endpoint(), pki.caPem(), Optional.of(clientPem)))))) {
                assertThat(client.serverVersion()).startsWith("3.");
            }
        }
    }

    @Test
    void tlsToAPlaintextEtcdAndPlaintextToATlsEtcdEachSayWhichSchemeToWrite() throws Exception {
        try (EtcdServer plaintext = EtcdServer.startPlaintext(directory.resolve("plaintext"))) {
            String asTls = plaintext.endpoint().replace("http://", "https://");
            assertRefused(settings(asTls, pki.caPem(), Optional.empty()), asTls, "does not speak TLS", CachetKeys.ETCD_ENDPOINTS.name());
        }
        try (EtcdServer tls = EtcdServer.startTls(directory.resolve("tls"), serverTls(pki, List.of("localhost", "127.0.0.1"), Optional.empty()))) {
            String asPlaintext = tls.endpoint().replace("https://", "http://");
            Map<String, String> settings = new HashMap<>();
            settings.put(CachetKeys.MEMBERSHIP_STORE.name(), MembershipStore.ETCD.name().toLowerCase(Locale.ROOT));
            settings.put(CachetKeys.ETCD_ENDPOINTS.name(), asPlaintext);
            settings.put(CachetKeys.ETCD_TIMEOUT.name(), "5s");
            assertRefused(settings, asPlaintext, "speaks TLS", "https:// in " + CachetKeys.ETCD_ENDPOINTS.name());
        }
    }

    @Test
    void aServerCertificateForAnotherHostNamesTheHostnameKey() throws Exception {
        try (EtcdServer etcd = EtcdServer.startTls(directory.resolve("hostname"), serverTls(pki, List.of("etcd.example.com"), Optional.empty()))) {
            Map<String, String> settings = settings(etcd.endpoint(), pki.caPem(), Optional.empty());
            assertRefused(settings, etcd.endpoint(), "does not match", CachetKeys.ETCD_TLS_NO_ENDPOINT_IDENTIFICATION.name());

            settings.put(CachetKeys.ETCD_TLS_NO_ENDPOINT_IDENTIFICATION.name(), "true");
            try (EtcdClient client = EtcdClient.create(EtcdSettings.from(TestPki.config(settings)))) {
                assertThat(client.serverVersion()).as("the chain is still trusted once the host name check is off").startsWith("3.");
            }
        }
    }

    @Test
    void aClientCertificateReplacedInPlaceServesNewConnectionsWithoutARestart() throws Exception {
        TestPki next = TestPki.create(directory, "Next CA");
        Path bothCas = directory.resolve("both-cas.pem");
        CertificateFiles.writeCertificates(bothCas, List.of(pki.ca().certificate(), next.ca().certificate()));
        Path certificate = directory.resolve("rotating-cert.pem");
        Path key = directory.resolve("rotating-key.pem");
        Files.copy(clientPem[0], certificate);
        Files.copy(clientPem[1], key);
        EtcdServer.Tls serverCertificate = serverTls(pki, List.of("localhost", "127.0.0.1"), Optional.of(bothCas));
        try (EtcdServer etcd = EtcdServer.startTls(directory.resolve("rotation"), serverCertificate)) {
            Map<String, String> settings = settings(etcd.endpoint(), pki.caPem(), Optional.of(new Path[] {certificate, key}));
            settings.put(CachetKeys.TLS_RELOAD_INTERVAL.name(), "200ms");
            try (EtcdClient client = EtcdClient.create(EtcdSettings.from(TestPki.config(settings)));
                    EtcdClient stayingOnTheOldCa = EtcdClient.create(EtcdSettings.from(TestPki.config(settings(etcd.endpoint(), pki.caPem(), Optional.of(clientPem)))))) {
                assertThat(client.serverVersion()).startsWith("3.");

                IssuedCertificate rotated = next.client("cachet-client-rotated");
                Path[] rotatedPem = next.pem(rotated, KeyEncoding.PKCS8, false);
                Files.write(key, Files.readAllBytes(rotatedPem[1]));
                Files.write(certificate, Files.readAllBytes(rotatedPem[0]));
                Eventually.await("the rotated etcd client certificate in service", () -> client.tlsIdentitySubject()
                        .equals(Optional.of(CertificateDetails.subject(rotated.leaf()))));

                // etcd now trusts only the new CA: a connection made with the old certificate would be refused.
                etcd.restart(new EtcdServer.Tls(serverCertificate.certificate(), serverCertificate.key(), Optional.of(next.caPem())));
                Eventually.await("a new etcd connection with the rotated certificate", () -> client.serverVersion().startsWith("3."));
                assertThatThrownBy(stayingOnTheOldCa::serverVersion).as("a client still on the old certificate").hasMessageContaining(etcd.endpoint());
            }
        }
    }

    private static void assertRefused(Map<String, String> settings, String endpoint, String cause, String key) {
        assertThatThrownBy(() -> {
            try (EtcdClient client = EtcdClient.create(EtcdSettings.from(TestPki.config(settings)))) {
                client.serverVersion();
            }
        }).satisfies(failure -> assertThat(failure.getMessage()).contains(endpoint).contains(cause).contains(key));
    }

    private static Map<String, String> settings(String endpoint, Path ca, Optional<Path[]> clientCertificate) {
        Map<String, String> settings = new HashMap<>();
        settings.put(CachetKeys.MEMBERSHIP_STORE.name(), "etcd");
        settings.put(CachetKeys.ETCD_ENDPOINTS.name(), endpoint);
        settings.put(CachetKeys.ETCD_TIMEOUT.name(), "5s");
        if (endpoint.startsWith("https://")) {
            settings.put(CachetKeys.ETCD_TLS_CA_PATH.name(), ca.toString());
        }
        clientCertificate.ifPresent(pem -> {
            settings.put(CachetKeys.ETCD_TLS_CERTIFICATE_PATH.name(), pem[0].toString());
            settings.put(CachetKeys.ETCD_TLS_KEY_PATH.name(), pem[1].toString());
        });
        String provider = System.getProperty("cachet.test.tls.provider");
        if (provider != null && !provider.isBlank()) {
            settings.put(CachetKeys.TLS_PROVIDER.name(), provider);
        }
        return settings;
    }

    static EtcdServer.Tls serverTls(TestPki pki, List<String> hosts, Optional<Path> clientCa) {
        Path[] pem = pki.pem(pki.server(hosts), KeyEncoding.PKCS8, false);
        return new EtcdServer.Tls(pem[0], pem[1], clientCa);
    }
}
