package io.cachet.tls;

import io.cachet.conf.ConfigException;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CRL;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The key manager and trust manager built from a node's TLS settings. Both Netty copies (the one
 * inside gRPC and the data plane's) are given these same two objects, so both planes present and
 * accept exactly the same certificates.
 */
public final class TlsMaterial {
    private final Optional<TlsIdentity> identity;
    private final Optional<X509ExtendedKeyManager> keyManager;
    private final CachetTrustManager trustManager;

    private TlsMaterial(Optional<TlsIdentity> identity, Optional<X509ExtendedKeyManager> keyManager, CachetTrustManager trustManager) {
        this.identity = requireNonNull(identity, "identity is null");
        this.keyManager = requireNonNull(keyManager, "keyManager is null");
        this.trustManager = requireNonNull(trustManager, "trustManager is null");
    }

    /** Reads and checks every file the settings name; fails with a {@link ConfigException} that names the file and the fix. */
    public static TlsMaterial load(TlsSettings settings) {
        return load(settings, Clock.systemUTC());
    }

    static TlsMaterial load(TlsSettings settings, Clock clock) {
        Optional<TlsIdentity> identity = settings.identity().map(source -> TlsIdentity.load(source, clock));
        CachetTrustManager trustManager = CachetTrustManager.create(
                TrustedCertificates.load(settings.trust()),
                revocationLists(settings.crlFiles()),
                settings.hostnameVerification());
        return new TlsMaterial(identity, identity.map(TlsMaterial::keyManager), trustManager);
    }

    public Optional<TlsIdentity> identity() {
        return identity;
    }

    public Optional<X509ExtendedKeyManager> keyManager() {
        return keyManager;
    }

    public X509ExtendedTrustManager trustManager() {
        return trustManager;
    }

    /** The certificates this node trusts: public material only, safe to hand to other processes. */
    public List<X509Certificate> trustedCertificates() {
        return List.of(trustManager.getAcceptedIssuers());
    }

    /** The trust store in use, as messages name it. */
    public String trustOrigin() {
        return trustManager.trustOrigin();
    }

    private static X509ExtendedKeyManager keyManager(TlsIdentity identity) {
        try {
            // A store holding just the chosen entry, so the key manager can only ever present that key.
            char[] password = new char[0];
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(identity.alias(), identity.privateKey(), password, identity.chain().toArray(new X509Certificate[0]));
            KeyManagerFactory factory = KeyManagerFactory.getInstance("PKIX");
            factory.init(store, password);
            for (KeyManager manager : factory.getKeyManagers()) {
                if (manager instanceof X509ExtendedKeyManager extended) {
                    return extended;
                }
            }
            throw new ConfigException("The JDK offers no X509ExtendedKeyManager");
        }
        catch (GeneralSecurityException | java.io.IOException e) {
            throw new ConfigException("Cannot build a key manager for %s: %s".formatted(identity.origin(), e.getMessage()), e);
        }
    }

    private static List<X509CRL> revocationLists(List<Path> files) {
        List<X509CRL> crls = new ArrayList<>();
        for (Path file : files) {
            byte[] content = StoreFile.read(file, StoreRole.TRUST_STORE, "cachet.network.tls.crl.path");
            try {
                for (CRL crl : CertificateFactory.getInstance("X.509").generateCRLs(new ByteArrayInputStream(content))) {
                    crls.add((X509CRL) crl);
                }
            }
            catch (GeneralSecurityException e) {
                throw new ConfigException("%s is not a readable PEM or DER certificate revocation list (%s). Fix: check cachet.network.tls.crl.path"
                        .formatted(file, e.getMessage()), e);
            }
            if (crls.isEmpty()) {
                throw new ConfigException("%s holds no certificate revocation list. Fix: check cachet.network.tls.crl.path".formatted(file));
            }
        }
        return crls;
    }
}
