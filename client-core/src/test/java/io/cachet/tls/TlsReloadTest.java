package io.cachet.tls;

import io.cachet.certs.CertificateFiles;
import io.cachet.certs.CertificateFiles.KeyEncoding;
import io.cachet.certs.CertificateFiles.StoreFormat;
import io.cachet.certs.IssuedCertificate;
import io.cachet.tls.LoopbackTls.Copy;
import io.cachet.tls.LoopbackTls.Outcome;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Certificate, trust and CRL files change under a running server: new handshakes on both planes see
 * the new material, open connections carry on, and unusable files leave the old material in service.
 */
class TlsReloadTest {
    @TempDir
    Path directory;

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void inPlaceRewriteAtomicRenameAndSymlinkSwapReachBothPlanesWhileOpenConnectionsCarryOn(String provider) throws Exception {
        TestPki pki = TestPki.create(directory, "Reload CA");
        Path live = Files.createDirectories(directory.resolve("secret"));
        // Kubernetes layout: the files are links into ..data, itself a link to the current version.
        IssuedCertificate first = pki.server(TestPki.LOOPBACK_HOSTS);
        writeVersion(live, "..v1", first);
        Files.createSymbolicLink(live.resolve("..data"), live.resolve("..v1").getFileName());
        Files.createSymbolicLink(live.resolve("tls.crt"), Path.of("..data/tls.crt"));
        Files.createSymbolicLink(live.resolve("tls.key"), Path.of("..data/tls.key"));
        Map<String, String> server = pki.trustSettings();
        server.put("cachet.network.tls.certificate.path", live.resolve("tls.crt").toString());
        server.put("cachet.network.tls.key.path", live.resolve("tls.key").toString());
        server.put("cachet.network.tls.provider", provider);
        TlsSettings settings = TlsSettings.from(TestPki.config(server));
        TlsContexts contexts = TlsContexts.load(settings);
        TlsContexts client = TestPki.contexts(withProvider(pki.trustSettings(), provider));

        try (TlsMaterialWatcher watcher = TlsMaterialWatcher.start(contexts.material(), settings);
                LoopbackTls.Server data = LoopbackTls.server(Copy.DATA_PLANE, contexts);
                LoopbackTls.Server grpc = LoopbackTls.server(Copy.GRPC, contexts);
                LoopbackTls.OpenConnection open = LoopbackTls.open(client, "localhost", data.port())) {
            assertThat(open.peerCertificate()).isEqualTo(first.leaf());
            assertThat(watcher.checkNow()).as("nothing changed yet").isFalse();

            // 1. Symlink swap, as Kubernetes rotates a mounted secret.
            IssuedCertificate second = pki.server(TestPki.LOOPBACK_HOSTS);
            writeVersion(live, "..v2", second);
            Path newLink = live.resolve("..data_tmp");
            Files.createSymbolicLink(newLink, live.resolve("..v2").getFileName());
            Files.move(newLink, live.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
            assertThat(watcher.checkNow()).isTrue();
            assertServes(second, client, data, grpc);
            assertThat(open.roundTrip()).as("a connection opened before the swap carries on").isTrue();
            assertThat(open.peerCertificate()).isEqualTo(first.leaf());

            // 2. Atomic rename of new files over the current version's.
            IssuedCertificate third = pki.server(TestPki.LOOPBACK_HOSTS);
            Path staging = Files.createDirectories(directory.resolve("staging"));
            CertificateFiles.writeCertificates(staging.resolve("tls.crt"), third.chain());
            CertificateFiles.writePrivateKey(staging.resolve("tls.key"), third.privateKey(), KeyEncoding.PKCS8, null);
            Files.move(staging.resolve("tls.key"), live.resolve("..v2/tls.key"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Files.move(staging.resolve("tls.crt"), live.resolve("..v2/tls.crt"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            assertThat(watcher.checkNow()).isTrue();
            assertServes(third, client, data, grpc);

            // 3. In-place rewrite of the same files.
            IssuedCertificate fourth = pki.server(TestPki.LOOPBACK_HOSTS);
            Files.write(live.resolve("..v2/tls.key"), pemKey(fourth));
            Files.write(live.resolve("..v2/tls.crt"), pemChain(fourth));
            assertThat(watcher.checkNow()).isTrue();
            assertServes(fourth, client, data, grpc);

            assertThat(contexts.material().reloads()).isEqualTo(3);
            assertThat(contexts.material().reloadFailures()).isZero();
            assertThat(open.roundTrip()).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void unusableNewFilesKeepTheOldCertificateInServiceAndAreCounted(String provider) throws Exception {
        TestPki pki = TestPki.create(directory, "Bad Reload CA");
        IssuedCertificate original = pki.server(TestPki.LOOPBACK_HOSTS);
        Path keyStore = pki.keyStore(StoreFormat.PKCS12, Map.of("node", original));
        Map<String, String> server = pki.trustSettings();
        server.put("cachet.network.tls.keystore.path", keyStore.toString());
        server.put("cachet.network.tls.keystore.password", TestPki.PASSWORD);
        server.put("cachet.network.tls.provider", provider);
        TlsSettings settings = TlsSettings.from(TestPki.config(server));
        TlsContexts contexts = TlsContexts.load(settings);
        TlsContexts client = TestPki.contexts(withProvider(pki.trustSettings(), provider));
        IssuedCertificate replacement = pki.server(TestPki.LOOPBACK_HOSTS);

        try (TlsMaterialWatcher watcher = TlsMaterialWatcher.start(contexts.material(), settings);
                LoopbackTls.Server data = LoopbackTls.server(Copy.DATA_PLANE, contexts);
                LoopbackTls.Server grpc = LoopbackTls.server(Copy.GRPC, contexts)) {
            // A store written with another password.
            CertificateFiles.writeKeyStore(keyStore, StoreFormat.PKCS12, "another-password".toCharArray(), Map.of("node", replacement));
            assertThat(watcher.checkNow()).isTrue();
            assertServes(original, client, data, grpc);

            // A truncated file.
            byte[] whole = Files.readAllBytes(pki.keyStore(StoreFormat.PKCS12, Map.of("node", replacement)));
            Files.write(keyStore, Arrays.copyOf(whole, whole.length / 2));
            assertThat(watcher.checkNow()).isTrue();
            assertServes(original, client, data, grpc);

            assertThat(contexts.material().reloadFailures()).isEqualTo(2);
            assertThat(contexts.material().reloads()).isZero();

            // And the next good file is taken.
            CertificateFiles.writeKeyStore(keyStore, StoreFormat.PKCS12, TestPki.PASSWORD.toCharArray(), Map.of("node", replacement));
            assertThat(watcher.checkNow()).isTrue();
            assertServes(replacement, client, data, grpc);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void keyThatDoesNotMatchItsNewCertificateIsRefused(String provider) throws Exception {
        TestPki pki = TestPki.create(directory, "Mismatch Reload CA");
        IssuedCertificate original = pki.server(TestPki.LOOPBACK_HOSTS);
        Path[] pem = pki.pem(original, KeyEncoding.PKCS8, false);
        Map<String, String> server = pki.trustSettings();
        server.put("cachet.network.tls.certificate.path", pem[0].toString());
        server.put("cachet.network.tls.key.path", pem[1].toString());
        server.put("cachet.network.tls.provider", provider);
        TlsSettings settings = TlsSettings.from(TestPki.config(server));
        TlsContexts contexts = TlsContexts.load(settings);

        try (TlsMaterialWatcher watcher = TlsMaterialWatcher.start(contexts.material(), settings);
                LoopbackTls.Server data = LoopbackTls.server(Copy.DATA_PLANE, contexts);
                LoopbackTls.Server grpc = LoopbackTls.server(Copy.GRPC, contexts)) {
            Files.write(pem[0], pemChain(pki.server(TestPki.LOOPBACK_HOSTS)));
            assertThat(watcher.checkNow()).isTrue();

            assertThat(contexts.material().reloadFailures()).isEqualTo(1);
            assertServes(original, TestPki.contexts(withProvider(pki.trustSettings(), provider)), data, grpc);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void crlUpdateRevokesAClientOnItsNextConnection(String provider) throws Exception {
        TestPki pki = TestPki.create(directory, "CRL Reload CA");
        IssuedCertificate clientIdentity = pki.client("soon-revoked");
        Path crl = pki.crl(List.of());
        Map<String, String> server = withProvider(pki.nodeSettings(pki.server(TestPki.LOOPBACK_HOSTS)), provider);
        server.put("cachet.network.tls.client.auth", "required");
        server.put("cachet.network.tls.crl.path", crl.toString());
        TlsSettings settings = TlsSettings.from(TestPki.config(server));
        TlsContexts contexts = TlsContexts.load(settings);
        TlsContexts client = TestPki.contexts(withProvider(pki.nodeSettings(clientIdentity), provider));

        try (TlsMaterialWatcher watcher = TlsMaterialWatcher.start(contexts.material(), settings);
                LoopbackTls.Server data = LoopbackTls.server(Copy.DATA_PLANE, contexts);
                LoopbackTls.Server grpc = LoopbackTls.server(Copy.GRPC, contexts)) {
            for (LoopbackTls.Server listener : List.of(data, grpc)) {
                assertThat(LoopbackTls.connect(Copy.DATA_PLANE, client, "localhost", listener.port()).succeeded()).isTrue();
                listener.nextHandshake();
            }

            Files.copy(pki.crl(List.of(clientIdentity.leaf())), crl, StandardCopyOption.REPLACE_EXISTING);
            assertThat(watcher.checkNow()).isTrue();

            for (LoopbackTls.Server listener : List.of(data, grpc)) {
                assertThat(LoopbackTls.connect(Copy.GRPC, client, "localhost", listener.port()).succeeded()).isFalse();
                assertThat(HandshakeFailures.explainServerFailure(listener.nextHandshake().failure(), "client").message())
                        .contains("CN=soon-revoked").contains("is revoked by the configured CRL");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void trustRotationThroughAMergedBundleAcceptsBothCasThenOnlyTheNewOne(String provider) throws Exception {
        TestPki oldPki = TestPki.create(directory, "Old CA");
        TestPki newPki = TestPki.create(directory, "New CA");
        Path bundle = directory.resolve("trust-bundle.pem");
        CertificateFiles.writeCertificates(bundle, List.of(oldPki.ca().certificate()));
        Map<String, String> server = new HashMap<>(oldPki.nodeSettings(oldPki.server(TestPki.LOOPBACK_HOSTS)));
        server.put("cachet.network.tls.truststore.path", bundle.toString());
        server.remove("cachet.network.tls.truststore.password");
        server.put("cachet.network.tls.client.auth", "required");
        server.put("cachet.network.tls.provider", provider);
        TlsSettings settings = TlsSettings.from(TestPki.config(server));
        TlsContexts contexts = TlsContexts.load(settings);
        // Clients trust the server's (old) CA; they differ in the CA of their own certificate.
        Map<String, String> oldClient = withProvider(oldPki.nodeSettings(oldPki.client("old-client")), provider);
        Map<String, String> newClient = withProvider(newPki.nodeSettings(newPki.client("new-client")), provider);
        newClient.put("cachet.network.tls.truststore.path", oldPki.trustStore().toString());

        try (TlsMaterialWatcher watcher = TlsMaterialWatcher.start(contexts.material(), settings);
                LoopbackTls.Server listener = LoopbackTls.server(Copy.DATA_PLANE, contexts)) {
            assertThat(LoopbackTls.connect(Copy.GRPC, TestPki.contexts(oldClient), "localhost", listener.port()).succeeded()).isTrue();
            assertThat(LoopbackTls.connect(Copy.GRPC, TestPki.contexts(newClient), "localhost", listener.port()).succeeded()).isFalse();

            CertificateFiles.writeCertificates(bundle, List.of(oldPki.ca().certificate(), newPki.ca().certificate()));
            assertThat(watcher.checkNow()).isTrue();
            assertThat(LoopbackTls.connect(Copy.GRPC, TestPki.contexts(oldClient), "localhost", listener.port()).succeeded()).isTrue();
            assertThat(LoopbackTls.connect(Copy.DATA_PLANE, TestPki.contexts(newClient), "localhost", listener.port()).succeeded()).isTrue();

            CertificateFiles.writeCertificates(bundle, List.of(newPki.ca().certificate()));
            assertThat(watcher.checkNow()).isTrue();
            assertThat(LoopbackTls.connect(Copy.DATA_PLANE, TestPki.contexts(newClient), "localhost", listener.port()).succeeded()).isTrue();
            Outcome refused = LoopbackTls.connect(Copy.GRPC, TestPki.contexts(oldClient), "localhost", listener.port());
            assertThat(refused.succeeded()).isFalse();
        }
    }

    private static void assertServes(IssuedCertificate expected, TlsContexts client, LoopbackTls.Server... listeners) throws Exception {
        for (LoopbackTls.Server listener : listeners) {
            for (Copy copy : Copy.values()) {
                Outcome outcome = LoopbackTls.connect(copy, client, "localhost", listener.port());
                assertThat(outcome.failure()).isNull();
                assertThat(outcome.peerCertificate()).contains(expected.leaf());
                listener.nextHandshake();
            }
        }
    }

    private void writeVersion(Path live, String version, IssuedCertificate identity) throws Exception {
        Path directory = Files.createDirectories(live.resolve(version));
        CertificateFiles.writeCertificates(directory.resolve("tls.crt"), identity.chain());
        CertificateFiles.writePrivateKey(directory.resolve("tls.key"), identity.privateKey(), KeyEncoding.PKCS8, null);
    }

    private byte[] pemChain(IssuedCertificate identity) throws Exception {
        Path file = Files.createTempFile(directory, "chain", ".pem");
        CertificateFiles.writeCertificates(file, identity.chain());
        return Files.readAllBytes(file);
    }

    private byte[] pemKey(IssuedCertificate identity) throws Exception {
        Path file = Files.createTempFile(directory, "key", ".pem");
        CertificateFiles.writePrivateKey(file, identity.privateKey(), KeyEncoding.PKCS8, null);
        return Files.readAllBytes(file);
    }

    private static Map<String, String> withProvider(Map<String, String> settings, String provider) {
        Map<String, String> copy = new HashMap<>(settings);
        copy.put("cachet.network.tls.provider", provider);
        return copy;
    }

}
