package io.cachet.tls;

import javax.net.ssl.SSLException;

import static java.util.Objects.requireNonNull;

/** A TLS handshake failed; the message names the peer, the side, the cause and the fix. */
public final class TlsHandshakeException extends SSLException {
    private static final long serialVersionUID = 1L;

    private final transient TlsDiagnosis diagnosis;

    TlsHandshakeException(TlsDiagnosis diagnosis, Throwable cause) {
        super(diagnosis.message(), cause);
        this.diagnosis = requireNonNull(diagnosis, "diagnosis is null");
    }

    public TlsDiagnosis diagnosis() {
        return diagnosis;
    }
}
