package io.cachet.conf;

/** Whether a TLS server asks connecting clients for a certificate. */
public enum ClientAuth {
    NONE,
    OPTIONAL,
    REQUIRED,
}
