package io.cachet.tls;

import java.security.cert.CertificateException;

import static java.util.Objects.requireNonNull;

/**
 * A peer's certificate was refused. Thrown by {@link CachetTrustManager} from inside a handshake, so
 * the diagnosis travels as the cause of whichever handshake exception the TLS engine raises.
 */
public final class PeerCertificateException extends CertificateException {
    private static final long serialVersionUID = 1L;

    /** Why the certificate was refused: decides the TLS alert the peer gets. */
    public enum Reason {
        /** No trusted CA issued it (alert unknown_ca). */
        UNTRUSTED,
        EXPIRED,
        NOT_YET_VALID,
        REVOKED,
        /** It does not name the host that was dialled. */
        HOSTNAME,
        /** None was presented. */
        MISSING,
    }

    private final transient TlsDiagnosis diagnosis;
    private final Reason reason;

    PeerCertificateException(TlsDiagnosis diagnosis, Reason reason, Throwable cause) {
        super(diagnosis.message(), cause);
        this.diagnosis = requireNonNull(diagnosis, "diagnosis is null");
        this.reason = requireNonNull(reason, "reason is null");
    }

    public TlsDiagnosis diagnosis() {
        return diagnosis;
    }

    public Reason reason() {
        return reason;
    }
}
