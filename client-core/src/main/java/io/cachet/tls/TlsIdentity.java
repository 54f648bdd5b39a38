package io.cachet.tls;

import io.cachet.conf.CachetKeys;
import io.cachet.conf.ConfigException;
import io.cachet.conf.StoreType;
import io.cachet.tls.TlsSettings.IdentitySource;
import io.cachet.tls.TlsSettings.KeyStoreIdentity;
import io.cachet.tls.TlsSettings.PemIdentity;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * This node's private key and certificate chain, read from a key store or PEM files and checked:
 * the key must match the leaf certificate and the leaf must be valid now.
 */
public record TlsIdentity(String alias, PrivateKey privateKey, List<X509Certificate> chain, String origin) {
    public TlsIdentity {
        requireNonNull(alias, "alias is null");
        requireNonNull(privateKey, "privateKey is null");
        chain = List.copyOf(chain);
        requireNonNull(origin, "origin is null");
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    static TlsIdentity load(IdentitySource source, TlsKeyNames keys, Clock clock) {
        TlsIdentity identity = source instanceof KeyStoreIdentity keyStore ? fromKeyStore(keyStore) : fromPem((PemIdentity) source, keys);
        identity.checkKeyMatchesCertificate();
        identity.checkValidity(clock);
        return identity;
    }

    private static TlsIdentity fromKeyStore(KeyStoreIdentity source) {
        StoreRole role = StoreRole.KEY_STORE;
        byte[] content = StoreFile.read(source.path(), role, role.pathKey());
        StoreType type = StoreFile.type(content, source.path(), role, source.type());
        if (type == StoreType.PEM) {
            throw new ConfigException("Key store %s is a PEM file. Fix: give PEM files as %s and %s instead"
                    .formatted(source.path(), CachetKeys.TLS_CERTIFICATE_PATH.name(), CachetKeys.TLS_KEY_PATH.name()));
        }
        if (source.password().isEmpty()) {
            throw new ConfigException("Key store %s needs a password. Fix: set %s".formatted(source.path(), role.passwordKey()));
        }
        KeyStore store = StoreFile.load(content, type, source.path(), source.password(), role);
        try {
            List<String> keyAliases = new ArrayList<>();
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    keyAliases.add(alias);
                }
            }
            if (keyAliases.isEmpty()) {
                throw new ConfigException("Key store %s holds no private key (only trusted certificates). Fix: point %s at a store with this node's key, or use it as a trust store"
                        .formatted(source.path(), role.pathKey()));
            }
            String alias = source.alias()
                    .map(wanted -> keyAliases.stream().filter(wanted::equalsIgnoreCase).findFirst().orElseThrow(() -> new ConfigException(
                            "Alias '%s' not found in key store %s; its keys are: %s. Fix: set %s to one of them"
                                    .formatted(wanted, source.path(), keyAliases, role.aliasKey()))))
                    .orElse(keyAliases.get(0));
            char[] keyPassword = source.keyPassword().or(source::password).orElseThrow().toCharArray();
            PrivateKey key;
            try {
                key = (PrivateKey) store.getKey(alias, keyPassword);
            }
            catch (UnrecoverableKeyException e) {
                throw new ConfigException("Cannot read private key '%s' in key store %s: the key password is wrong. Fix: set %s (it defaults to %s)"
                        .formatted(alias, source.path(), CachetKeys.TLS_KEYSTORE_KEY_PASSWORD.name(), role.passwordKey()));
            }
            List<X509Certificate> chain = new ArrayList<>();
            for (Certificate certificate : store.getCertificateChain(alias)) {
                chain.add((X509Certificate) certificate);
            }
            return new TlsIdentity(alias, key, chain, source.toString());
        }
        catch (KeyStoreException | NoSuchAlgorithmException e) {
            throw new ConfigException("Cannot read key store %s: %s".formatted(source.path(), e.getMessage()), e);
        }
    }

    private static TlsIdentity fromPem(PemIdentity source, TlsKeyNames keys) {
        String certificateKey = keys.certificatePath();
        String keyKey = keys.keyPath();
        byte[] certificates = StoreFile.read(source.certificatePath(), StoreRole.KEY_STORE, certificateKey);
        byte[] key = StoreFile.read(source.keyPath(), StoreRole.KEY_STORE, keyKey);
        List<X509Certificate> chain = PemFiles.certificates(certificates, source.certificatePath(), certificateKey);
        PrivateKey privateKey = PemFiles.privateKey(key, source.keyPath(), source.keyPassword(), keyKey, keys.keyPassword());
        return new TlsIdentity("pem", privateKey, chain, source.toString());
    }

    private void checkKeyMatchesCertificate() {
        byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        try {
            String algorithm = switch (privateKey.getAlgorithm()) {
                case "RSA" -> "SHA256withRSA";
                case "EC" -> "SHA256withECDSA";
                case "Ed25519", "Ed448", "EdDSA" -> privateKey.getAlgorithm();
                default -> throw new ConfigException("Private key of %s uses %s, which Cachet does not support. Fix: use an RSA, EC or Ed25519 key"
                        .formatted(origin, privateKey.getAlgorithm()));
            };
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(leaf().getPublicKey());
            verifier.update(challenge);
            if (!verifier.verify(signature)) {
                throw keyMismatch(null);
            }
        }
        catch (GeneralSecurityException e) {
            throw keyMismatch(e);
        }
    }

    private ConfigException keyMismatch(Exception cause) {
        return new ConfigException("The private key of %s does not match its certificate (subject %s). Fix: pair the certificate with the key it was issued for"
                .formatted(origin, leaf().getSubjectX500Principal().getName()), cause);
    }

    private void checkValidity(Clock clock) {
        try {
            leaf().checkValidity(Date.from(clock.instant()));
        }
        catch (CertificateExpiredException e) {
            throw new ConfigException("This node's certificate (subject %s, from %s) expired on %s. Fix: renew it"
                    .formatted(leaf().getSubjectX500Principal().getName(), origin, leaf().getNotAfter().toInstant()));
        }
        catch (CertificateNotYetValidException e) {
            throw new ConfigException("This node's certificate (subject %s, from %s) is not valid until %s. Fix: check the clock of this machine, or issue a certificate that is valid now"
                    .formatted(leaf().getSubjectX500Principal().getName(), origin, leaf().getNotBefore().toInstant()));
        }
    }

    @Override
    public String toString() {
        return "TlsIdentity{alias=%s, subject=%s, origin=%s}".formatted(alias, leaf().getSubjectX500Principal().getName(), origin);
    }
}
