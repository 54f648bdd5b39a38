package io.cachet.tls;

import io.cachet.certs.CertificateFiles;
import io.cachet.certs.CertificateFiles.StoreFormat;
import io.cachet.certs.IssuedCertificate;
import io.cachet.conf.ConfigException;
import io.cachet.tls.LoopbackTls.Copy;
import io.cachet.tls.LoopbackTls.Outcome;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Who is trusted and refused: aliases, default trust, revocation, mutual TLS, protocols, ciphers, host names. */
class TlsPolicyTest {
    @TempDir
    static Path directory;
    private static TestPki pki;
    private static TestPki otherPki;

    @BeforeAll
    static void createPki() {
        pki = TestPki.create(directory, "Policy Test CA");
        otherPki = TestPki.create(directory, "Other CA");
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void keyStoreAliasSelectsTheNamedKey(String provider) throws Exception {
        IssuedCertificate alpha = pki.server(List.of("localhost"));
        IssuedCertificate beta = pki.server(List.of("localhost"));
        Map<String, String> server = pki.trustSettings();
        server.put("cachet.network.tls.keystore.path", pki.keyStore(StoreFormat.PKCS12, Map.of("alpha", alpha, "beta", beta)).toString());
        server.put("cachet.network.tls.keystore.password", TestPki.PASSWORD);
        server.put("cachet.network.tls.keystore.alias", "beta");
        server.put("cachet.network.tls.provider", provider);

        Outcome outcome = handshake(server, withProvider(pki.trustSettings(), provider), "localhost", Copy.DATA_PLANE, Copy.GRPC);

        assertThat(outcome.peerCertificate()).contains(beta.leaf());
    }

    @Test
    void trustStoreAliasRestrictsTrustToThatEntry() throws Exception {
        Path bothCas = directory.resolve("both-cas.p12");
        CertificateFiles.writeTrustStore(bothCas, StoreFormat.PKCS12, TestPki.PASSWORD.toCharArray(),
                Map.of("policy-ca", pki.ca().certificate(), "other-ca", otherPki.ca().certificate()));
        Map<String, String> client = new HashMap<>(Map.of(
                "cachet.network.tls.enabled", "true",
                "cachet.network.tls.truststore.path", bothCas.toString(),
                "cachet.network.tls.truststore.password", TestPki.PASSWORD));
        Map<String, String> server = pki.nodeSettings(pki.server(TestPki.LOOPBACK_HOSTS));

        assertThat(handshake(server, client, "localhost", Copy.DATA_PLANE, Copy.DATA_PLANE).succeeded()).isTrue();

        client.put("cachet.network.tls.truststore.alias", "other-ca");
        Outcome restricted = handshake(server, client, "localhost", Copy.GRPC, Copy.DATA_PLANE);
        assertThat(restricted.failure())
                .isInstanceOf(TlsHandshakeException.class)
                .hasMessageContaining("is not trusted by trust store " + bothCas + " (alias other-ca)")
                .hasMessageContaining("issued by CN=Policy Test CA");
    }

    @Test
    void jvmDefaultTrustStoreIsUsedWhenNoneIsConfigured() throws Exception {
        Map<String, String> server = pki.nodeSettings(pki.server(TestPki.LOOPBACK_HOSTS));
        Map<String, String> client = Map.of("cachet.network.tls.enabled", "true");

        // The JDK's cacerts does not hold a CA generated a moment ago.
        Outcome untrusted = handshake(server, client, "localhost", Copy.DATA_PLANE, Copy.DATA_PLANE);
        assertThat(untrusted.failure()).hasMessageContaining("is not trusted by the JVM's default trust store");

        Path trustStore = pki.trustStore();
        String previousStore = System.getProperty("javax.net.ssl.trustStore");
        try {
            System.setProperty("javax.net.ssl.trustStore", trustStore.toString());
            System.setProperty("javax.net.ssl.trustStorePassword", TestPki.PASSWORD);
            System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");

            TlsContexts contexts = TestPki.contexts(client);
            assertThat(contexts.material().trustOrigin()).contains("JVM's default trust store").contains(trustStore.toString());
            assertThat(handshake(server, client, "localhost", Copy.DATA_PLANE, Copy.GRPC).succeeded()).isTrue();
        }
        finally {
            restore("javax.net.ssl.trustStore", previousStore);
            System.clearProperty("javax.net.ssl.trustStorePassword");
            System.clearProperty("javax.net.ssl.trustStoreType");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void revokedServerCertificateIsRefused(String provider) throws Exception {
        IssuedCertificate revoked = pki.server(TestPki.LOOPBACK_HOSTS);
        Map<String, String> client = withProvider(pki.trustSettings(), provider);
        client.put("cachet.network.tls.crl.path", pki.crl(List.of(revoked.leaf())).toString());

        Outcome outcome = handshake(withProvider(pki.nodeSettings(revoked), provider), client, "localhost", Copy.DATA_PLANE, Copy.GRPC);

        assertThat(outcome.failure()).isInstanceOf(TlsHandshakeException.class)
                .hasMessageContaining("The server certificate of server localhost")
                .hasMessageContaining("is revoked by the configured CRL");
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void revokedClientCertificateIsRefusedAndOthersFromTheSameCaAreNot(String provider) throws Exception {
        IssuedCertificate revokedClient = pki.client("revoked-client");
        IssuedCertificate goodClient = pki.client("good-client");
        Map<String, String> server = withProvider(pki.nodeSettings(pki.server(TestPki.LOOPBACK_HOSTS)), provider);
        server.put("cachet.network.tls.client.auth", "required");
        server.put("cachet.network.tls.crl.path", pki.crl(List.of(revokedClient.leaf())).toString());
        TlsContexts serverContexts = TestPki.contexts(server);

        try (LoopbackTls.Server listener = LoopbackTls.server(Copy.GRPC, serverContexts)) {
            Outcome refused = LoopbackTls.connect(Copy.DATA_PLANE, TestPki.contexts(withProvider(pki.nodeSettings(revokedClient), provider)), "localhost", listener.port());
            Outcome serverSide = listener.nextHandshake();
            assertThat(refused.succeeded()).isFalse();
            assertThat(HandshakeFailures.explainServerFailure(serverSide.failure(), "test client").message())
                    .contains("The client certificate of client")
                    .contains("CN=revoked-client")
                    .contains("is revoked by the configured CRL");

            Outcome accepted = LoopbackTls.connect(Copy.DATA_PLANE, TestPki.contexts(withProvider(pki.nodeSettings(goodClient), provider)), "localhost", listener.port());
            assertThat(accepted.succeeded()).isTrue();
            assertThat(listener.nextHandshake().peerCertificate()).contains(goodClient.leaf());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void requiredClientAuthRefusesAClientWithoutCertificateAndAcceptsOneWith(String provider) throws Exception {
        Map<String, String> server = withProvider(pki.nodeSettings(pki.server(TestPki.LOOPBACK_HOSTS)), provider);
        server.put("cachet.network.tls.client.auth", "required");
        IssuedCertificate client = pki.client("mutual-client");

        try (LoopbackTls.Server listener = LoopbackTls.server(Copy.DATA_PLANE, TestPki.contexts(server))) {
            Outcome anonymous = LoopbackTls.connect(Copy.GRPC, TestPki.contexts(withProvider(pki.trustSettings(), provider)), "localhost", listener.port());
            assertThat(anonymous.failure()).isInstanceOf(TlsHandshakeException.class)
                    .hasMessageContaining("requires a client certificate (mutual TLS) and this client has none configured")
                    .hasMessageContaining("cachet.network.tls.keystore.path");
            assertThat(HandshakeFailures.explainServerFailure(listener.nextHandshake().failure(), "anonymous").message())
                    .contains("presented no certificate");

            Outcome mutual = LoopbackTls.connect(Copy.GRPC, TestPki.contexts(withProvider(pki.nodeSettings(client), provider)), "localhost", listener.port());
            assertThat(mutual.succeeded()).isTrue();
            assertThat(listener.nextHandshake().peerCertificate()).contains(client.leaf());
        }
    }

    @Test
    void outdatedProtocolsCannotBeConfigured() {
        Map<String, String> client = pki.trustSettings();
        client.put("cachet.network.tls.client.protocols", "TLSv1.1,TLSv1.2");

        assertThatThrownBy(() -> TestPki.contexts(client).dataClient())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cachet.network.tls.client.protocols lists TLSv1.1, which Cachet refuses as insecure; only [TLSv1.3, TLSv1.2] are allowed");

        client.put("cachet.network.tls.client.protocols", "TLSv9");
        assertThatThrownBy(() -> TestPki.contexts(client).grpcClient())
                .hasMessageContaining("'TLSv9', which is not a supported TLS protocol name. Supported: [TLSv1.3, TLSv1.2]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void serverRefusesATls11ClientByDefault(String provider) throws Exception {
        Map<String, String> server = withProvider(pki.nodeSettings(pki.server(TestPki.LOOPBACK_HOSTS)), provider);
        try (LoopbackTls.Server listener = LoopbackTls.server(Copy.DATA_PLANE, TestPki.contexts(server))) {
            // OpenSSL's own client can still speak TLS 1.1 when its security level is lowered; the JDK's cannot.
            OpenSslClient.Result tls11 = OpenSslClient.connect(listener.port(), "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0");
            assertThat(tls11.output()).contains("alert protocol version").contains("Cipher is (NONE)");
            assertThat(listener.nextHandshake().succeeded()).isFalse();

            OpenSslClient.Result tls12 = OpenSslClient.connect(listener.port(), "-tls1_2", "-CAfile", pki.caPem().toString());
            assertThat(tls12.output()).contains("Protocol  : TLSv1.2").contains("Verify return code: 0 (ok)");
            assertThat(listener.nextHandshake().succeeded()).isTrue();
        }
    }

    @Test
    void unknownAndNonAeadCiphersCannotBeConfigured() {
        Map<String, String> client = pki.trustSettings();
        client.put("cachet.network.tls.ciphers", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
        assertThatThrownBy(() -> TestPki.contexts(client).dataClient())
                .hasMessageContaining("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, which is not an AEAD cipher suite")
                .hasMessageContaining("TLS_AES_128_GCM_SHA256");

        client.put("cachet.network.tls.ciphers", "NOT_A_CIPHER");
        assertThatThrownBy(() -> TestPki.contexts(client).dataClient())
                .hasMessageContaining("'NOT_A_CIPHER', which the")
                .hasMessageContaining("Supported: [");
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void cipherMismatchFailsWithAMessageListingBothSides(String provider) throws Exception {
        Map<String, String> server = withProvider(pki.nodeSettings(pki.server(TestPki.LOOPBACK_HOSTS)), provider);
        server.put("cachet.network.tls.server.protocols", "TLSv1.2");
        server.put("cachet.network.tls.ciphers", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
        Map<String, String> client = withProvider(pki.trustSettings(), provider);
        client.put("cachet.network.tls.client.protocols", "TLSv1.2");
        client.put("cachet.network.tls.ciphers", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");

        Outcome outcome = handshake(server, client, "localhost", Copy.GRPC, Copy.DATA_PLANE);

        assertThat(outcome.failure()).isInstanceOf(TlsHandshakeException.class)
                .hasMessageContaining("no protocol or cipher suite in common with server localhost")
                .hasMessageContaining("This client offers protocols [TLSv1.2] and ciphers [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]")
                .hasMessageContaining("the server accepts protocols [TLSv1.2] and ciphers [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void protocolMismatchFailsWithAMessageListingBothSides(String provider) throws Exception {
        Map<String, String> server = withProvider(pki.nodeSettings(pki.server(TestPki.LOOPBACK_HOSTS)), provider);
        server.put("cachet.network.tls.server.protocols", "TLSv1.3");
        Map<String, String> client = withProvider(pki.trustSettings(), provider);
        client.put("cachet.network.tls.client.protocols", "TLSv1.2");

        Outcome outcome = handshake(server, client, "localhost", Copy.DATA_PLANE, Copy.GRPC);

        assertThat(outcome.failure()).isInstanceOf(TlsHandshakeException.class)
                .hasMessageContaining("This client offers protocols [TLSv1.2]")
                .hasMessageContaining("the server accepts protocols [TLSv1.3]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void hostnameMismatchFailsByDefaultOnBothCopiesAndPassesWhenTurnedOff(String provider) throws Exception {
        IssuedCertificate localhostOnly = pki.server(List.of("localhost"));
        Map<String, String> server = withProvider(pki.nodeSettings(localhostOnly), provider);
        Map<String, String> client = withProvider(pki.trustSettings(), provider);

        for (Copy copy : Copy.values()) {
            Outcome mismatch = handshake(server, client, "127.0.0.1", Copy.DATA_PLANE, copy);
            assertThat(mismatch.failure()).as(copy.name()).isInstanceOf(TlsHandshakeException.class)
                    .hasMessageContaining("The host name 127.0.0.1 does not match the certificate of server 127.0.0.1")
                    .hasMessageContaining("CN=localhost, SANs=[DNS:localhost]")
                    .hasMessageContaining("cachet.network.tls.client.no.endpoint.identification=true");
        }

        client.put("cachet.network.tls.client.no.endpoint.identification", "true");
        for (Copy copy : Copy.values()) {
            assertThat(handshake(server, client, "127.0.0.1", Copy.GRPC, copy).succeeded()).as(copy.name()).isTrue();
        }
    }

    @Test
    void chainIsStillVerifiedWithoutHostnameVerification() throws Exception {
        Map<String, String> server = otherPki.nodeSettings(otherPki.server(List.of("localhost")));
        Map<String, String> client = pki.trustSettings();
        client.put("cachet.network.tls.client.no.endpoint.identification", "true");

        Outcome outcome = handshake(server, client, "127.0.0.1", Copy.DATA_PLANE, Copy.DATA_PLANE);

        assertThat(outcome.failure()).hasMessageContaining("issued by CN=Other CA").hasMessageContaining("is not trusted");
    }

    private static Outcome handshake(Map<String, String> server, Map<String, String> client, String host, Copy serverCopy, Copy clientCopy) throws Exception {
        try (LoopbackTls.Server listener = LoopbackTls.server(serverCopy, TestPki.contexts(server))) {
            return LoopbackTls.connect(clientCopy, TestPki.contexts(client), host, listener.port());
        }
    }

    private static Map<String, String> withProvider(Map<String, String> settings, String provider) {
        Map<String, String> copy = new HashMap<>(settings);
        copy.put("cachet.network.tls.provider", provider);
        return copy;
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        }
        else {
            System.setProperty(property, value);
        }
    }
}
