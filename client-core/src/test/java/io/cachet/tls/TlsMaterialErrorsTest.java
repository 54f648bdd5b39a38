package io.cachet.tls;

import io.cachet.certs.CertificateAuthority.Usage;
import io.cachet.certs.CertificateFiles.KeyEncoding;
import io.cachet.certs.CertificateFiles.StoreFormat;
import io.cachet.certs.IssuedCertificate;
import io.cachet.certs.KeyAlgorithm;
import io.cachet.conf.ConfigException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every way a node's own TLS material can be wrong, each with the message a person needs. */
class TlsMaterialErrorsTest {
    @TempDir
    static Path directory;
    private static TestPki pki;
    private static IssuedCertificate identity;

    @BeforeAll
    static void createPki() {
        pki = TestPki.create(directory, "Errors CA");
        identity = pki.server(TestPki.LOOPBACK_HOSTS);
    }

    @Test
    void missingKeyStoreFileIsNamed() {
        Map<String, String> settings = keyStoreSettings(directory.resolve("nowhere.p12"));

        assertThatThrownBy(() -> TestPki.contexts(settings))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Cannot open key store %s: the file does not exist. Fix: check cachet.network.tls.keystore.path", directory.resolve("nowhere.p12"));
    }

    @Test
    void missingTrustStoreFileIsNamed() {
        Map<String, String> settings = pki.trustSettings();
        settings.put("cachet.network.tls.truststore.path", directory.resolve("no-trust.jks").toString());

        assertThatThrownBy(() -> TestPki.contexts(settings))
                .hasMessageContaining("Cannot open trust store " + directory.resolve("no-trust.jks") + ": the file does not exist")
                .hasMessageContaining("cachet.network.tls.truststore.path");
    }

    @Test
    void wrongKeyStorePasswordIsReportedWithoutTheSecret() {
        for (StoreFormat format : StoreFormat.values()) {
            Map<String, String> settings = keyStoreSettings(pki.keyStore(format, Map.of("node", identity)));
            settings.put("cachet.network.tls.keystore.password", "not-the-password");

            assertThatThrownBy(() -> TestPki.contexts(settings))
                    .as(format.name())
                    .hasMessageContaining("Cannot open key store")
                    .hasMessageContaining("the password is wrong")
                    .hasMessageContaining("Fix: check cachet.network.tls.keystore.password")
                    .hasMessageNotContaining("not-the-password");
        }
    }

    @Test
    void wrongTrustStorePasswordIsReported() {
        Map<String, String> settings = pki.trustSettings();
        settings.put("cachet.network.tls.truststore.password", "wrong-trust-secret");

        assertThatThrownBy(() -> TestPki.contexts(settings))
                .hasMessageContaining("Cannot open trust store")
                .hasMessageContaining("the password is wrong")
                .hasMessageContaining("cachet.network.tls.truststore.password")
                .hasMessageNotContaining("wrong-trust-secret");
    }

    @Test
    void wrongKeyPasswordInsideAKeyStoreIsReported() throws Exception {
        // keytool lets the key have its own password; Cachet defaults it to the store password.
        Path store = directory.resolve("split-passwords.jks");
        KeyStore keyStore = KeyStore.getInstance("JKS");
        keyStore.load(null, null);
        keyStore.setKeyEntry("node", identity.privateKey(), "key-only-secret".toCharArray(), identity.chain().toArray(new X509Certificate[0]));
        try (var out = Files.newOutputStream(store)) {
            keyStore.store(out, TestPki.PASSWORD.toCharArray());
        }
        Map<String, String> settings = keyStoreSettings(store);

        assertThatThrownBy(() -> TestPki.contexts(settings))
                .hasMessage("Cannot read private key 'node' in key store %s: the key password is wrong. Fix: set cachet.network.tls.keystore.key.password (it defaults to cachet.network.tls.keystore.password)", store);

        settings.put("cachet.network.tls.keystore.key.password", "key-only-secret");
        assertThat(TestPki.contexts(settings).material().identity().orElseThrow().leaf()).isEqualTo(identity.leaf());
    }

    @Test
    void typeThatContradictsTheContentIsReported() {
        Path jks = pki.keyStore(StoreFormat.JKS, Map.of("node", identity));
        Map<String, String> settings = keyStoreSettings(jks);
        settings.put("cachet.network.tls.keystore.type", "pkcs12");

        assertThatThrownBy(() -> TestPki.contexts(settings))
                .hasMessage("Key store %s is a JKS file, but cachet.network.tls.keystore.type says PKCS12. Fix: remove cachet.network.tls.keystore.type (the format is detected from the content) or set it to jks", jks);
    }

    @Test
    void fileThatIsNoStoreAtAllIsReported() throws Exception {
        Path text = directory.resolve("notes.txt");
        Files.writeString(text, "hello");

        assertThatThrownBy(() -> TestPki.contexts(keyStoreSettings(text)))
                .hasMessage("Key store %s is neither a JKS, a PKCS#12 nor a PEM file. Fix: check cachet.network.tls.keystore.path", text);
    }

    @Test
    void aliasNotFoundListsTheAliasesPresent() {
        Map<String, String> settings = keyStoreSettings(pki.keyStore(StoreFormat.PKCS12, Map.of("alpha", identity, "beta", pki.server(List.of("localhost")))));
        settings.put("cachet.network.tls.keystore.alias", "gamma");

        assertThatThrownBy(() -> TestPki.contexts(settings))
                .hasMessageContaining("Alias 'gamma' not found in key store")
                .hasMessageContaining("alpha")
                .hasMessageContaining("beta")
                .hasMessageContaining("Fix: set cachet.network.tls.keystore.alias to one of them");
    }

    @Test
    void trustStoreAliasNotFoundListsTheEntriesPresent() {
        Map<String, String> settings = pki.trustSettings();
        settings.put("cachet.network.tls.truststore.alias", "somebody-else");

        assertThatThrownBy(() -> TestPki.contexts(settings))
                .hasMessageContaining("Alias 'somebody-else' not found in trust store")
                .hasMessageContaining("its entries are: [ca]");
    }

    @Test
    void keyThatDoesNotMatchItsCertificateIsRefused() {
        IssuedCertificate other = pki.server(TestPki.LOOPBACK_HOSTS);
        Path[] pem = pki.pem(identity, KeyEncoding.PKCS8, false);
        Path otherKey = pki.pem(other, KeyEncoding.PKCS8, false)[1];
        Map<String, String> settings = pemSettings(pem[0], otherKey);

        assertThatThrownBy(() -> TestPki.contexts(settings))
                .hasMessageContaining("does not match its certificate (subject CN=localhost")
                .hasMessageContaining("Fix: pair the certificate with the key it was issued for");
    }

    @Test
    void expiredOwnCertificateRefusesToStartAndSaysWhen() {
        Instant notAfter = Instant.now().minus(Duration.ofDays(3)).truncatedTo(ChronoUnit.SECONDS);
        IssuedCertificate expired = pki.ca().issue("expired-node", List.of("localhost"), Usage.NODE, KeyAlgorithm.EC, notAfter.minus(Duration.ofDays(30)), notAfter);

        assertThatThrownBy(() -> TestPki.contexts(pki.nodeSettings(expired)))
                .hasMessageContaining("This node's certificate (subject CN=expired-node")
                .hasMessageContaining("expired on " + notAfter)
                .hasMessageContaining("Fix: renew it");
    }

    @Test
    void notYetValidOwnCertificateRefusesToStartAndSaysWhen() {
        Instant notBefore = Instant.now().plus(Duration.ofDays(3)).truncatedTo(ChronoUnit.SECONDS);
        IssuedCertificate future = pki.ca().issue("future-node", List.of("localhost"), Usage.NODE, KeyAlgorithm.EC, notBefore, notBefore.plus(Duration.ofDays(30)));

        assertThatThrownBy(() -> TestPki.contexts(pki.nodeSettings(future)))
                .hasMessageContaining("is not valid until " + notBefore)
                .hasMessageContaining("check the clock");
    }

    @Test
    void encryptedPemKeyWithoutPasswordAsksForOne() {
        Path[] pem = pki.pem(identity, KeyEncoding.PKCS8, true);

        assertThatThrownBy(() -> TestPki.contexts(pemSettings(pem[0], pem[1])))
                .hasMessage("Private key %s is encrypted and no password is set. Fix: set cachet.network.tls.key.password", pem[1]);
    }

    @Test
    void encryptedPemKeyWithWrongPasswordIsReported() {
        IssuedCertificate rsa = pki.server(TestPki.LOOPBACK_HOSTS, KeyAlgorithm.RSA);
        for (KeyEncoding encoding : KeyEncoding.values()) {
            Path[] pem = pki.pem(rsa, encoding, true);
            Map<String, String> settings = pemSettings(pem[0], pem[1]);
            settings.put("cachet.network.tls.key.password", "guess");

            assertThatThrownBy(() -> TestPki.contexts(settings))
                    .as(encoding.name())
                    .hasMessage("Cannot decrypt private key %s: the key password is wrong. Fix: check cachet.network.tls.key.password", pem[1]);
        }
    }

    @Test
    void keyStoreAndPemIdentityTogetherAreRefused() {
        Path[] pem = pki.pem(identity, KeyEncoding.PKCS8, false);
        Map<String, String> settings = keyStoreSettings(pki.keyStore(StoreFormat.PKCS12, Map.of("node", identity)));
        settings.put("cachet.network.tls.certificate.path", pem[0].toString());
        settings.put("cachet.network.tls.key.path", pem[1].toString());

        assertThatThrownBy(() -> TestPki.contexts(settings))
                .hasMessageContaining("Both cachet.network.tls.keystore.path and cachet.network.tls.certificate.path/cachet.network.tls.key.path are set");
    }

    @Test
    void serverWithoutIdentitySaysWhatToSet() {
        assertThatThrownBy(() -> TestPki.contexts(pki.trustSettings()).dataServer())
                .hasMessageContaining("A TLS server needs its own certificate and key, and none is configured")
                .hasMessageContaining("cachet certs generate");
    }

    @Test
    void unreadableCrlIsReported() throws Exception {
        Path crl = directory.resolve("broken.crl");
        Files.writeString(crl, "-----BEGIN X509 CRL-----\nnot base64\n-----END X509 CRL-----\n");
        Map<String, String> settings = pki.trustSettings();
        settings.put("cachet.network.tls.crl.path", crl.toString());

        assertThatThrownBy(() -> TestPki.contexts(settings))
                .hasMessageContaining(crl + " is not a readable PEM or DER certificate revocation list")
                .hasMessageContaining("cachet.network.tls.crl.path");
    }

    @Test
    void derAndPemCrlsAreBothRead() throws Exception {
        IssuedCertificate revoked = pki.server(TestPki.LOOPBACK_HOSTS);
        Path der = directory.resolve("revoked.der.crl");
        Files.write(der, pki.ca().revocationList(List.of(revoked.leaf()), Duration.ofDays(1)).getEncoded());
        for (Path crl : List.of(der, pki.crl(List.of(revoked.leaf())))) {
            Map<String, String> settings = pki.trustSettings();
            settings.put("cachet.network.tls.crl.path", crl.toString());
            assertThat(TestPki.contexts(settings).material().trustManager()).isNotNull();
        }
    }

    private static Map<String, String> keyStoreSettings(Path store) {
        Map<String, String> settings = new HashMap<>(pki.trustSettings());
        settings.put("cachet.network.tls.keystore.path", store.toString());
        settings.put("cachet.network.tls.keystore.password", TestPki.PASSWORD);
        return settings;
    }

    private static Map<String, String> pemSettings(Path certificate, Path key) {
        Map<String, String> settings = new HashMap<>(pki.trustSettings());
        settings.put("cachet.network.tls.certificate.path", certificate.toString());
        settings.put("cachet.network.tls.key.path", key.toString());
        return settings;
    }

}
