package io.cachet.tls;

import javax.net.ssl.SSLException;

import static java.util.Objects.requireNonNull;

/** A TLS handshake failed; the message names the peer, the side, the cause and the fix. */
public final class TlsHandshakeException extends SSLException {
    private static final long serialVersionUID = 1L;

    private final transient TlsDiagnosis diagnosis;
    private final boolean retriable;

    TlsHandshakeException(TlsDiagnosis diagnosis, Throwable cause) {
        this(diagnosis, cause, false);
    }

    TlsHandshakeException(TlsDiagnosis diagnosis, Throwable cause, boolean retriable) {
        super(diagnosis.message(), cause);
        this.diagnosis = requireNonNull(diagnosis, "diagnosis is null");
        this.retriable = retriable;
    }

    /**
     * Whether another attempt (or another server) may succeed: a handshake cut off by a closing or
     * restarting server, as opposed to settings that can never work.
     */
    public boolean isRetriable() {
        return retriable;
    }

    public TlsDiagnosis diagnosis() {
        return diagnosis;
    }
}
