package io.cachet.tls;

import java.util.Locale;

/** Why a TLS handshake failed, as metrics count it: one value per thing an operator would fix differently. */
public enum TlsFailureCause {
    /** The peer's certificate was not issued by a trusted CA. */
    UNTRUSTED,
    /** The server's certificate does not name the host dialled. */
    HOSTNAME,
    EXPIRED,
    NOT_YET_VALID,
    REVOKED,
    /** A certificate was required and none was presented. */
    NO_CERTIFICATE,
    /** No protocol version or cipher suite in common. */
    NO_COMMON_PROTOCOL,
    /** The peer spoke plaintext to a TLS port. */
    PLAINTEXT,
    /** The handshake did not finish in time. */
    TIMEOUT,
    OTHER;

    /** The label value: lower case, as Prometheus label values usually are. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
