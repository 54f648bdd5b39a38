package io.cachet.tls;

import io.cachet.conf.ConfigException;

import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * The one trust manager of a node: JDK PKIX validation against the configured trust anchors, CRLs
 * checked locally (never fetched), hostname verification by the engine's endpoint identification
 * (forced on unless configured off), and every refusal turned into a {@link TlsDiagnosis}.
 */
final class CachetTrustManager extends X509ExtendedTrustManager {
    private static final String ENDPOINT_IDENTIFICATION = "HTTPS";

    private final X509ExtendedTrustManager pkix;
    private final TrustedCertificates trusted;
    private final boolean hostnameVerification;
    private final TlsKeyNames keys;

    private CachetTrustManager(X509ExtendedTrustManager pkix, TrustedCertificates trusted, boolean hostnameVerification, TlsKeyNames keys) {
        this.pkix = requireNonNull(pkix, "pkix is null");
        this.trusted = requireNonNull(trusted, "trusted is null");
        this.hostnameVerification = hostnameVerification;
        this.keys = requireNonNull(keys, "keys is null");
    }

    static CachetTrustManager create(TrustedCertificates trusted, List<X509CRL> crls, boolean hostnameVerification, TlsKeyNames keys) {
        try {
            Set<TrustAnchor> anchors = trusted.certificates().stream()
                    .map(certificate -> new TrustAnchor(certificate, null))
                    .collect(Collectors.toSet());
            PKIXBuilderParameters parameters = new PKIXBuilderParameters(anchors, new X509CertSelector());
            if (crls.isEmpty()) {
                parameters.setRevocationEnabled(false);
            }
            else {
                parameters.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(crls)));
                PKIXRevocationChecker revocation = (PKIXRevocationChecker) CertPathValidator.getInstance("PKIX").getRevocationChecker();
                // CRLs only, from the configured files: no OCSP and no network fetch. A certificate whose
                // issuer has no CRL here passes; one listed as revoked never does.
                revocation.setOptions(EnumSet.of(PKIXRevocationChecker.Option.PREFER_CRLS, PKIXRevocationChecker.Option.NO_FALLBACK,
                        PKIXRevocationChecker.Option.SOFT_FAIL));
                parameters.addCertPathChecker(revocation);
                parameters.setRevocationEnabled(true);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(new CertPathTrustManagerParameters(parameters));
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager extended) {
                    return new CachetTrustManager(extended, trusted, hostnameVerification, keys);
                }
            }
            throw new ConfigException("The JDK offers no PKIX X509ExtendedTrustManager");
        }
        catch (GeneralSecurityException e) {
            throw new ConfigException("Cannot build a trust manager from %s: %s".formatted(trusted.origin(), e.getMessage()), e);
        }
    }

    String trustOrigin() {
        return trusted.origin();
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        String peer = engine == null ? "server" : "server " + engine.getPeerHost() + ":" + engine.getPeerPort();
        try {
            if (hostnameVerification) {
                requireEndpointIdentification(engine == null ? null : engine.getSSLParameters().getEndpointIdentificationAlgorithm());
                pkix.checkServerTrusted(chain, authType, engine);
            }
            else {
                // No engine: chain and revocation are checked, the host name is not.
                pkix.checkServerTrusted(chain, authType);
            }
        }
        catch (CertificateException e) {
            throw refusal(e, chain, peer, true, engine == null ? null : engine.getPeerHost());
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        String host = socket instanceof SSLSocket ssl && ssl.getHandshakeSession() != null ? ssl.getHandshakeSession().getPeerHost() : null;
        String peer = socket == null ? "server" : "server " + socket.getRemoteSocketAddress();
        try {
            if (hostnameVerification) {
                requireEndpointIdentification(socket instanceof SSLSocket ssl ? ssl.getSSLParameters().getEndpointIdentificationAlgorithm() : null);
                pkix.checkServerTrusted(chain, authType, socket);
            }
            else {
                pkix.checkServerTrusted(chain, authType);
            }
        }
        catch (CertificateException e) {
            throw refusal(e, chain, peer, true, host);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (hostnameVerification) {
            throw new CertificateException("Hostname verification is on, but the TLS engine gave no peer to verify: refusing");
        }
        try {
            pkix.checkServerTrusted(chain, authType);
        }
        catch (CertificateException e) {
            throw refusal(e, chain, "server", true, null);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        try {
            pkix.checkClientTrusted(chain, authType, engine);
        }
        catch (CertificateException e) {
            throw refusal(e, chain, engine == null ? "client" : "client " + engine.getPeerHost() + ":" + engine.getPeerPort(), false, null);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        try {
            pkix.checkClientTrusted(chain, authType, socket);
        }
        catch (CertificateException e) {
            throw refusal(e, chain, socket == null ? "client" : "client " + socket.getRemoteSocketAddress(), false, null);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        try {
            pkix.checkClientTrusted(chain, authType);
        }
        catch (CertificateException e) {
            throw refusal(e, chain, "client", false, null);
        }
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
    }

    // Fails closed: an engine built without endpoint identification must not silently skip the host check.
    private static void requireEndpointIdentification(String algorithm) throws CertificateException {
        if (algorithm == null || !algorithm.equalsIgnoreCase(ENDPOINT_IDENTIFICATION)) {
            throw new CertificateException("Hostname verification is on, but this TLS engine was built without endpoint identification (algorithm "
                    + algorithm + "): refusing the connection rather than skipping the host name check");
        }
    }

    private PeerCertificateException refusal(CertificateException failure, X509Certificate[] chain, String peer, boolean peerIsServer, String host) {
        if (failure instanceof PeerCertificateException already) {
            return already;
        }
        String role = peerIsServer ? "server" : "client";
        X509Certificate leaf = chain == null || chain.length == 0 ? null : chain[0];
        if (leaf == null) {
            return new PeerCertificateException(new TlsDiagnosis(peer + " presented no certificate", "give the " + role + " a certificate"),
                    PeerCertificateException.Reason.MISSING, failure);
        }
        for (X509Certificate certificate : chain) {
            try {
                certificate.checkValidity();
            }
            catch (CertificateExpiredException e) {
                return new PeerCertificateException(new TlsDiagnosis(
                        "The %s certificate of %s (subject %s) expired on %s".formatted(role, peer, CertificateDetails.subject(certificate), certificate.getNotAfter().toInstant()),
                        "renew the " + role + "'s certificate"), PeerCertificateException.Reason.EXPIRED, failure);
            }
            catch (CertificateNotYetValidException e) {
                return new PeerCertificateException(new TlsDiagnosis(
                        "The %s certificate of %s (subject %s) is not valid until %s".formatted(role, peer, CertificateDetails.subject(certificate), certificate.getNotBefore().toInstant()),
                        "check the clocks of both machines, or issue a certificate that is valid now"), PeerCertificateException.Reason.NOT_YET_VALID, failure);
            }
        }
        if (isRevocation(failure)) {
            return new PeerCertificateException(new TlsDiagnosis(
                    "The %s certificate of %s (subject %s, serial %s) is revoked by the configured CRL".formatted(role, peer, CertificateDetails.subject(leaf), leaf.getSerialNumber().toString(16)),
                    "issue the " + role + " a new certificate; revoked certificates are refused by design (" + keys.crlPath() + ")"),
                    PeerCertificateException.Reason.REVOKED, failure);
        }
        String message = String.valueOf(failure.getMessage()).toLowerCase(Locale.ROOT);
        if (peerIsServer && (message.contains("no subject alternative") || message.contains("no name matching"))) {
            return new PeerCertificateException(new TlsDiagnosis(
                    "The host name %s does not match the certificate of %s (CN=%s, SANs=%s)".formatted(
                            host, peer, CertificateDetails.commonName(leaf).orElse("none"), CertificateDetails.subjectAlternativeNames(leaf)),
                    "reissue the server certificate with a SAN for %s (e.g. cachet certs generate --hosts %s), connect by a name the certificate lists, or set %s=true to skip the host name check (the chain is still verified)"
                            .formatted(host, host, keys.noEndpointIdentification())), PeerCertificateException.Reason.HOSTNAME, failure);
        }
        return new PeerCertificateException(new TlsDiagnosis(
                "The %s certificate of %s (subject %s, issued by %s) is not trusted by %s".formatted(
                        role, peer, CertificateDetails.subject(leaf), CertificateDetails.issuer(leaf), trusted.origin()),
                peerIsServer
                        ? "add the CA that issued it (%s) to the trust named by %s".formatted(CertificateDetails.issuer(leaf), keys.truststorePath())
                        : "add the client's CA (%s) to this server's trust store (%s), or give the client a certificate from a trusted CA"
                                .formatted(CertificateDetails.issuer(leaf), keys.truststorePath())),
                PeerCertificateException.Reason.UNTRUSTED, failure);
    }

    private static boolean isRevocation(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof CertPathValidatorException validation && validation.getReason() == CertPathValidatorException.BasicReason.REVOKED) {
                return true;
            }
        }
        return false;
    }
}
