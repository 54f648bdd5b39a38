package io.cachet.tls;

import io.cachet.certs.CertificateFiles.KeyEncoding;
import io.cachet.certs.CertificateFiles.StoreFormat;
import io.cachet.certs.IssuedCertificate;
import io.cachet.certs.KeyAlgorithm;
import io.cachet.tls.LoopbackTls.Copy;
import io.cachet.tls.LoopbackTls.Outcome;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Real handshakes over loopback between the two Netty copies, for every key format and both providers. */
class TlsHandshakeTest {
    enum KeyFormat {
        JKS,
        PKCS12,
        PEM_PKCS8,
        PEM_PKCS1,
        PEM_PKCS8_ENCRYPTED,
        PEM_PKCS1_ENCRYPTED,
    }

    @TempDir
    static Path directory;
    private static TestPki pki;

    @BeforeAll
    static void createPki() {
        pki = TestPki.create(directory, "Handshake Test CA");
    }

    static Stream<Arguments> formatsProvidersAndDirections() {
        List<Arguments> arguments = new ArrayList<>();
        for (KeyFormat format : KeyFormat.values()) {
            for (String provider : List.of("openssl", "jdk")) {
                arguments.add(Arguments.of(format, provider, Copy.DATA_PLANE, Copy.GRPC));
                arguments.add(Arguments.of(format, provider, Copy.GRPC, Copy.DATA_PLANE));
            }
        }
        return arguments.stream();
    }

    @ParameterizedTest(name = "{0} with {1}: {2} server, {3} client")
    @MethodSource("formatsProvidersAndDirections")
    void everyKeyFormatCompletesAHandshakeWithEitherProviderAcrossBothNettyCopies(KeyFormat format, String provider, Copy serverCopy, Copy clientCopy)
            throws Exception {
        boolean rsa = format == KeyFormat.PEM_PKCS1 || format == KeyFormat.PEM_PKCS1_ENCRYPTED;
        IssuedCertificate identity = pki.server(TestPki.LOOPBACK_HOSTS, rsa ? KeyAlgorithm.RSA : KeyAlgorithm.EC);
        Map<String, String> server = serverSettings(format, identity);
        server.put("cachet.network.tls.provider", provider);
        Map<String, String> client = pki.trustSettings();
        client.put("cachet.network.tls.provider", provider);
        TlsContexts serverContexts = TestPki.contexts(server);

        assertThat(provider.equals("openssl") ? serverContexts.dataPlaneProvider().name() : "JDK").isEqualTo(provider.equals("openssl") ? "OPENSSL" : "JDK");
        try (LoopbackTls.Server listener = LoopbackTls.server(serverCopy, serverContexts)) {
            Outcome outcome = LoopbackTls.connect(clientCopy, TestPki.contexts(client), "localhost", listener.port());

            assertThat(outcome.failure()).isNull();
            assertThat(outcome.peerCertificate()).contains(identity.leaf());
            assertThat(outcome.protocol()).isEqualTo("TLSv1.3");
            assertThat(listener.nextHandshake().succeeded()).isTrue();
        }
    }

    private static Map<String, String> serverSettings(KeyFormat format, IssuedCertificate identity) {
        Map<String, String> settings = new HashMap<>(pki.trustSettings());
        switch (format) {
            case JKS, PKCS12 -> {
                StoreFormat store = format == KeyFormat.JKS ? StoreFormat.JKS : StoreFormat.PKCS12;
                settings.put("cachet.network.tls.keystore.path", pki.keyStore(store, Map.of("server", identity)).toString());
                settings.put("cachet.network.tls.keystore.password", TestPki.PASSWORD);
            }
            default -> {
                KeyEncoding encoding = format == KeyFormat.PEM_PKCS8 || format == KeyFormat.PEM_PKCS8_ENCRYPTED ? KeyEncoding.PKCS8 : KeyEncoding.PKCS1;
                boolean encrypted = format.name().endsWith("ENCRYPTED");
                Path[] files = pki.pem(identity, encoding, encrypted);
                settings.put("cachet.network.tls.certificate.path", files[0].toString());
                settings.put("cachet.network.tls.key.path", files[1].toString());
                if (encrypted) {
                    settings.put("cachet.network.tls.key.password", TestPki.KEY_PASSWORD);
                }
            }
        }
        return settings;
    }

    @Test
    void pkcs1KeyFileReallyIsTraditionalRsaAndPkcs8IsNot() throws Exception {
        IssuedCertificate identity = pki.server(TestPki.LOOPBACK_HOSTS, KeyAlgorithm.RSA);
        String pkcs1 = Files.readString(pki.pem(identity, KeyEncoding.PKCS1, false)[1]);
        String pkcs8 = Files.readString(pki.pem(identity, KeyEncoding.PKCS8, false)[1]);
        String encrypted = Files.readString(pki.pem(identity, KeyEncoding.PKCS8, true)[1]);

        assertThat(pemBlockType(pkcs1)).isEqualTo("RSA PRIVATE KEY");
        assertThat(pemBlockType(pkcs8)).isEqualTo("PRIVATE KEY");
        assertThat(pemBlockType(encrypted)).isEqualTo("ENCRYPTED PRIVATE KEY");
    }

    /** The type named on a PEM file's first line, between "-----BEGIN " and "-----". */
    private static String pemBlockType(String pem) {
        String firstLine = pem.lines().findFirst().orElseThrow();
        assertThat(firstLine).startsWith("-----BEGIN ").endsWith("-----");
        return firstLine.substring("-----BEGIN ".length(), firstLine.length() - "-----".length());
    }
}
