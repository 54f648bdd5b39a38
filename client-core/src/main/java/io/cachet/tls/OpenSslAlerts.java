package io.cachet.tls;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

import static java.util.Objects.requireNonNull;

/**
 * BoringSSL answers a refused peer certificate with the TLS alert of the OpenSSL verify error the
 * trust manager reports, and with internal_error when it reports none, which tells the peer nothing.
 * This trust manager, for OpenSSL server contexts, reports the verify error that matches each
 * {@link PeerCertificateException.Reason}: an unknown CA gets unknown_ca, an expired certificate
 * certificate_expired. Each Netty copy has its own exception class that carries the error, so the
 * caller passes the constructor of its copy's. (The JDK engine picks its alerts itself: it answers
 * every refused client certificate with certificate_unknown.)
 */
final class OpenSslAlerts extends X509ExtendedTrustManager {
    /** Builds the Netty copy's {@code OpenSslCertificateException} for a refusal and an OpenSSL verify error. */
    interface Translation {
        CertificateException translate(PeerCertificateException refusal, int verifyError);
    }

    // OpenSSL's verify results (x509_vfy.h), stable across OpenSSL and BoringSSL.
    private static final int CERT_NOT_YET_VALID = 9;
    private static final int CERT_HAS_EXPIRED = 10;
    private static final int UNABLE_TO_GET_ISSUER_CERT_LOCALLY = 20;
    private static final int CERT_REVOKED = 23;
    private static final int CERT_REJECTED = 28;
    private static final int HOSTNAME_MISMATCH = 62;

    private final X509ExtendedTrustManager delegate;
    private final Translation translation;

    OpenSslAlerts(X509ExtendedTrustManager delegate, Translation translation) {
        this.delegate = requireNonNull(delegate, "delegate is null");
        this.translation = requireNonNull(translation, "translation is null");
    }

    static int verifyError(PeerCertificateException.Reason reason) {
        return switch (reason) {
            case UNTRUSTED -> UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
            case EXPIRED -> CERT_HAS_EXPIRED;
            case NOT_YET_VALID -> CERT_NOT_YET_VALID;
            case REVOKED -> CERT_REVOKED;
            case HOSTNAME -> HOSTNAME_MISMATCH;
            case MISSING -> CERT_REJECTED;
        };
    }

    private interface Check {
        void run() throws CertificateException;
    }

    private void translated(Check check) throws CertificateException {
        try {
            check.run();
        }
        catch (PeerCertificateException refusal) {
            throw translation.translate(refusal, verifyError(refusal.reason()));
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        translated(() -> delegate.checkClientTrusted(chain, authType, socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        translated(() -> delegate.checkClientTrusted(chain, authType, engine));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        translated(() -> delegate.checkClientTrusted(chain, authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        translated(() -> delegate.checkServerTrusted(chain, authType, socket));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        translated(() -> delegate.checkServerTrusted(chain, authType, engine));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        translated(() -> delegate.checkServerTrusted(chain, authType));
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }
}
