package io.cachet.tls;

import io.cachet.conf.ConfigException;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/** Reads PEM (or DER) certificates and PEM private keys in every form OpenSSL and keytool write. */
final class PemFiles {
    private PemFiles() {}

    static List<X509Certificate> certificates(byte[] content, Path path, String pathKey) {
        try {
            List<X509Certificate> certificates = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(content)).stream()
                    .map(X509Certificate.class::cast)
                    .toList();
            if (certificates.isEmpty()) {
                throw new ConfigException("%s holds no certificate. Fix: check %s".formatted(path, pathKey));
            }
            return certificates;
        }
        catch (CertificateException e) {
            throw new ConfigException("%s is not a readable PEM or DER certificate file (%s). Fix: check %s".formatted(path, e.getMessage(), pathKey), e);
        }
    }

    /** Reads a PKCS#8 or PKCS#1 key, plain or encrypted. */
    static PrivateKey privateKey(byte[] content, Path path, Optional<String> password, String pathKey, String passwordKey) {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (PEMParser parser = new PEMParser(new StringReader(new String(content, StandardCharsets.US_ASCII)))) {
            for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
                if (object instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (object instanceof PEMKeyPair pair) {
                    return converter.getKeyPair(pair).getPrivate();
                }
                if (object instanceof PKCS8EncryptedPrivateKeyInfo encrypted) {
                    char[] secret = requirePassword(password, path, passwordKey);
                    PrivateKeyInfo info = encrypted.decryptPrivateKeyInfo(
                            new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(BouncyCastle.provider()).build(secret));
                    return converter.getPrivateKey(info);
                }
                if (object instanceof PEMEncryptedKeyPair encrypted) {
                    char[] secret = requirePassword(password, path, passwordKey);
                    try {
                        return converter.getKeyPair(encrypted.decryptKeyPair(new JcePEMDecryptorProviderBuilder().setProvider(BouncyCastle.provider()).build(secret))).getPrivate();
                    }
                    catch (IOException e) {
                        // Traditional PEM encryption has no integrity check: a wrong password yields random bytes, which the
                        // padding check rejects, or, about once in 256, passes and then fails to parse as a key.
                        throw wrongPassword(path, passwordKey);
                    }
                }
                // Other blocks (EC PARAMETERS written by openssl ecparam, certificates) may precede the key.
            }
        }
        catch (PKCSException e) {
            throw wrongPassword(path, passwordKey);
        }
        catch (OperatorCreationException e) {
            throw new ConfigException("Cannot decrypt private key %s: %s".formatted(path, e.getMessage()), e);
        }
        catch (IOException e) {
            throw new ConfigException("%s is not a readable PEM private key (%s). Fix: check %s".formatted(path, e.getMessage(), pathKey), e);
        }
        throw new ConfigException("%s holds no private key (expected a PEM block of type PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY or ENCRYPTED PRIVATE KEY). Fix: check %s"
                .formatted(path, pathKey));
    }

    private static char[] requirePassword(Optional<String> password, Path path, String passwordKey) {
        return password.orElseThrow(() -> new ConfigException(
                "Private key %s is encrypted and no password is set. Fix: set %s".formatted(path, passwordKey))).toCharArray();
    }

    private static ConfigException wrongPassword(Path path, String passwordKey) {
        return new ConfigException("Cannot decrypt private key %s: the key password is wrong. Fix: check %s".formatted(path, passwordKey));
    }
}
