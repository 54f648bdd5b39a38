package io.cachet.certs;

import io.cachet.tls.BouncyCastle;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.util.io.pem.PemObjectGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;

/**
 * Writes keys, certificates, stores and CRLs in the formats Cachet reads: PEM (PKCS#8 or PKCS#1
 * keys, plain or encrypted), JKS and PKCS#12. Private material is written readable by the owner only.
 */
public final class CertificateFiles {
    /** How a PEM private key is encoded. */
    public enum KeyEncoding {
        PKCS8,
        /** The traditional OpenSSL form: a PEM block of type "RSA PRIVATE KEY" (or "EC PRIVATE KEY"). */
        PKCS1,
    }

    public enum StoreFormat {
        JKS("JKS"),
        PKCS12("PKCS12");

        private final String keyStoreType;

        StoreFormat(String keyStoreType) {
            this.keyStoreType = keyStoreType;
        }
    }

    private CertificateFiles() {}

    public static void writeCertificates(Path file, List<X509Certificate> certificates) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            for (X509Certificate certificate : certificates) {
                writer.writeObject(certificate);
            }
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
        write(file, text.toString().getBytes(StandardCharsets.US_ASCII), false);
    }

    /** Writes a PEM private key; encrypted with AES-256 when {@code password} is not null. */
    public static void writePrivateKey(Path file, PrivateKey key, KeyEncoding encoding, char[] password) {
        try {
            PemObjectGenerator generator = switch (encoding) {
                case PKCS8 -> new JcaPKCS8Generator(key, password == null ? null
                        : new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC).setProvider(BouncyCastle.provider()).setPassword(password).build());
                case PKCS1 -> password == null
                        ? new JcaMiscPEMGenerator(key)
                        : new JcaMiscPEMGenerator(key, new JcePEMEncryptorBuilder("AES-256-CBC").setProvider(BouncyCastle.provider()).build(password));
            };
            StringWriter text = new StringWriter();
            try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
                writer.writeObject(generator);
            }
            write(file, text.toString().getBytes(StandardCharsets.US_ASCII), true);
        }
        catch (IOException | OperatorCreationException e) {
            throw new IllegalStateException("Cannot write private key " + file, e);
        }
    }

    /** A key store holding the given entries under their aliases, key password = store password. */
    public static void writeKeyStore(Path file, StoreFormat format, char[] password, Map<String, IssuedCertificate> entries) {
        try {
            KeyStore store = KeyStore.getInstance(format.keyStoreType);
            store.load(null, null);
            for (Map.Entry<String, IssuedCertificate> entry : entries.entrySet()) {
                store.setKeyEntry(entry.getKey(), entry.getValue().privateKey(), password, entry.getValue().chain().toArray(new X509Certificate[0]));
            }
            write(file, store(store, password), true);
        }
        catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("Cannot write key store " + file, e);
        }
    }

    /** A trust store holding the given certificates as trusted entries under their aliases. */
    public static void writeTrustStore(Path file, StoreFormat format, char[] password, Map<String, X509Certificate> entries) {
        try {
            KeyStore store = KeyStore.getInstance(format.keyStoreType);
            store.load(null, null);
            for (Map.Entry<String, X509Certificate> entry : entries.entrySet()) {
                store.setCertificateEntry(entry.getKey(), entry.getValue());
            }
            write(file, store(store, password), false);
        }
        catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("Cannot write trust store " + file, e);
        }
    }

    public static void writeRevocationList(Path file, X509CRL crl) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(crl);
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
        write(file, text.toString().getBytes(StandardCharsets.US_ASCII), false);
    }

    /** A secret (a password) as a file of its own, so configuration can refer to it as {@code ${file:...}}. */
    public static void writeSecret(Path file, String secret) {
        write(file, secret.getBytes(StandardCharsets.UTF_8), true);
    }

    /** Text that holds no secret, such as settings that refer to secret files. */
    public static void writeText(Path file, String text) {
        write(file, text.getBytes(StandardCharsets.UTF_8), false);
    }

    private static byte[] store(KeyStore store, char[] password) throws GeneralSecurityException, IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        store.store(bytes, password);
        return bytes.toByteArray();
    }

    /** Writes through a temporary file and a rename, so a reader (or a reloading server) never sees half a file. */
    private static void write(Path file, byte[] content, boolean ownerOnly) {
        try {
            Path directory = file.toAbsolutePath().getParent();
            Files.createDirectories(directory);
            Path temporary = Files.createTempFile(directory, "." + file.getFileName(), ".tmp");
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString(ownerOnly ? "rw-------" : "rw-r--r--"));
            }
            try (OutputStream out = Files.newOutputStream(temporary)) {
                out.write(content);
            }
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (IOException e) {
            throw new IllegalStateException("Cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
