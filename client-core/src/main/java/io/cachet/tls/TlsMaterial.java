package io.cachet.tls;

import io.cachet.conf.CachetKeys;
import io.cachet.conf.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CRL;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static java.util.Objects.requireNonNull;

/**
 * The key manager and trust manager built from a node's TLS settings. Both Netty copies (the one
 * inside gRPC and the data plane's) are given these same two objects, so both planes present and
 * accept exactly the same certificates. They read the material loaded last, so a {@link #reload}
 * reaches both planes at once, for new handshakes; connections already open carry on.
 */
public final class TlsMaterial {
    private static final Logger log = LoggerFactory.getLogger(TlsMaterial.class);

    /** One consistent set of material: what a handshake uses, start to end. */
    private record Loaded(Optional<TlsIdentity> identity, Optional<X509ExtendedKeyManager> keyManager, CachetTrustManager trustManager) {}

    private final AtomicReference<Loaded> current;
    private final Optional<X509ExtendedKeyManager> keyManager;
    private final X509ExtendedTrustManager trustManager = new CurrentTrustManager();
    private final Clock clock;
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong reloadFailures = new AtomicLong();

    private TlsMaterial(Loaded loaded, Clock clock) {
        this.current = new AtomicReference<>(loaded);
        this.keyManager = loaded.identity().map(identity -> new CurrentKeyManager());
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** Reads and checks every file the settings name; fails with a {@link ConfigException} that names the file and the fix. */
    public static TlsMaterial load(TlsSettings settings) {
        return load(settings, Clock.systemUTC());
    }

    static TlsMaterial load(TlsSettings settings, Clock clock) {
        Loaded loaded = read(settings, clock);
        warnIfExpiringSoon(loaded, settings.expiryWarning(), clock);
        return new TlsMaterial(loaded, clock);
    }

    /**
     * Reads the files again and, if everything in them is usable, serves it to new handshakes. If not
     * (a file that does not parse, a key that does not match, a wrong password), the material in service
     * stays and the failure is logged and counted.
     *
     * @return whether the new material is now in service
     */
    public boolean reload(TlsSettings settings) {
        Loaded next;
        try {
            next = read(settings, clock);
            if (next.identity().isPresent() != keyManager.isPresent()) {
                throw new ConfigException("A node cannot gain or lose its own certificate while running; restart it to change that");
            }
        }
        catch (RuntimeException e) {
            reloadFailures.incrementAndGet();
            log.error("TLS reload refused, the previous certificates and trust stay in service: {}", e.getMessage());
            return false;
        }
        Loaded previous = current.getAndSet(next);
        reloads.incrementAndGet();
        describeChange(previous, next);
        warnIfExpiringSoon(next, settings.expiryWarning(), clock);
        return true;
    }

    /** Reloads that put new material in service. */
    public long reloads() {
        return reloads.get();
    }

    /** Reloads refused because the new files were not usable. */
    public long reloadFailures() {
        return reloadFailures.get();
    }

    public Optional<TlsIdentity> identity() {
        return current.get().identity();
    }

    public Optional<X509ExtendedKeyManager> keyManager() {
        return keyManager;
    }

    public X509ExtendedTrustManager trustManager() {
        return trustManager;
    }

    /** The certificates this node trusts: public material only, safe to hand to other processes. */
    public List<X509Certificate> trustedCertificates() {
        return List.of(current.get().trustManager().getAcceptedIssuers());
    }

    /** The trust store in use, as messages name it. */
    public String trustOrigin() {
        return current.get().trustManager().trustOrigin();
    }

    private static Loaded read(TlsSettings settings, Clock clock) {
        Optional<TlsIdentity> identity = settings.identity().map(source -> TlsIdentity.load(source, settings.keys(), clock));
        CachetTrustManager trustManager = CachetTrustManager.create(
                TrustedCertificates.load(settings.trust(), settings.keys()),
                revocationLists(settings.crlFiles()),
                settings.hostnameVerification(),
                settings.keys());
        return new Loaded(identity, identity.map(TlsMaterial::keyManager), trustManager);
    }

    private static void describeChange(Loaded previous, Loaded next) {
        if (previous.identity().isEmpty() || next.identity().isEmpty()) {
            log.info("TLS material reloaded: trust {}", next.trustManager().trustOrigin());
            return;
        }
        X509Certificate before = previous.identity().get().leaf();
        X509Certificate after = next.identity().get().leaf();
        log.info("TLS material reloaded: certificate {} (serial {}, expires {}), trust {}", CertificateDetails.subject(after),
                after.getSerialNumber().toString(16), after.getNotAfter().toInstant(), next.trustManager().trustOrigin());
        if (!CertificateDetails.subject(before).equals(CertificateDetails.subject(after))
                || !CertificateDetails.subjectAlternativeNames(before).equals(CertificateDetails.subjectAlternativeNames(after))) {
            log.warn("The reloaded certificate names this node differently: subject {} -> {}, SANs {} -> {}. Clients that connect by a name it no longer lists will be refused",
                    CertificateDetails.subject(before), CertificateDetails.subject(after),
                    CertificateDetails.subjectAlternativeNames(before), CertificateDetails.subjectAlternativeNames(after));
        }
    }

    private static void warnIfExpiringSoon(Loaded loaded, Duration warning, Clock clock) {
        loaded.identity().ifPresent(identity -> {
            Instant expiry = identity.leaf().getNotAfter().toInstant();
            Duration left = Duration.between(clock.instant(), expiry);
            if (left.compareTo(warning) < 0) {
                log.warn("This node's certificate {} expires in {} days ({}): renew it; Cachet reloads the new files without a restart",
                        CertificateDetails.subject(identity.leaf()), left.toDays(), expiry);
            }
        });
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
        catch (GeneralSecurityException | IOException e) {
            throw new ConfigException("Cannot build a key manager for %s: %s".formatted(identity.origin(), e.getMessage()), e);
        }
    }

    private static List<X509CRL> revocationLists(List<Path> files) {
        List<X509CRL> crls = new ArrayList<>();
        for (Path file : files) {
            byte[] content = StoreFile.read(file, StoreRole.TRUST_STORE, CachetKeys.TLS_CRL_PATH.name());
            try {
                for (CRL crl : CertificateFactory.getInstance("X.509").generateCRLs(new ByteArrayInputStream(content))) {
                    crls.add((X509CRL) crl);
                }
            }
            catch (GeneralSecurityException e) {
                throw new ConfigException("%s is not a readable PEM or DER certificate revocation list (%s). Fix: check %s"
                        .formatted(file, e.getMessage(), CachetKeys.TLS_CRL_PATH.name()), e);
            }
            if (crls.isEmpty()) {
                throw new ConfigException("%s holds no certificate revocation list. Fix: check %s".formatted(file, CachetKeys.TLS_CRL_PATH.name()));
            }
        }
        return crls;
    }

    /** Presents the key of the material loaded last. */
    private final class CurrentKeyManager extends X509ExtendedKeyManager {
        private X509ExtendedKeyManager delegate() {
            return current.get().keyManager().orElseThrow();
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return delegate().getClientAliases(keyType, issuers);
        }

        // A node has one identity and always offers it: the server's list of CA names may predate a trust
        // rotation (OpenSSL fixes it when the context is built), and the server's trust manager decides anyway.
        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return delegate().chooseClientAlias(keyType, null, socket);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return delegate().chooseEngineClientAlias(keyType, null, engine);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return delegate().getServerAliases(keyType, issuers);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return delegate().chooseServerAlias(keyType, issuers, socket);
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return delegate().chooseEngineServerAlias(keyType, issuers, engine);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return delegate().getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return delegate().getPrivateKey(alias);
        }
    }

    /** Trusts what the material loaded last trusts. */
    private final class CurrentTrustManager extends X509ExtendedTrustManager {
        private CachetTrustManager delegate() {
            return current.get().trustManager();
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            delegate().checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            delegate().checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            delegate().checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            delegate().checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate().checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate().checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate().getAcceptedIssuers();
        }
    }
}
