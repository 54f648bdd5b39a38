package io.cachet.tls;

import java.security.cert.CertificateException;

import static java.util.Objects.requireNonNull;

/**
 * A peer's certificate was refused. Thrown by {@link CachetTrustManager} from inside a handshake, so
 * the diagnosis travels as the cause of whichever handshake exception the TLS engine raises.
 */
public final class PeerCertificateException extends CertificateException {
    private static final long serialVersionUID = 1L;

    private final transient TlsDiagnosis diagnosis;

    PeerCertificateException(TlsDiagnosis diagnosis, Throwable cause) {
        super(diagnosis.message(), cause);
        this.diagnosis = requireNonNull(diagnosis, "diagnosis is null");
    }

    public TlsDiagnosis diagnosis() {
        return diagnosis;
    }
}
