package io.cachet.conf;

/** Which TLS implementation to use: BoringSSL through netty-tcnative, the JDK's, or OpenSSL when it loads. */
public enum TlsProviderChoice {
    AUTO,
    OPENSSL,
    JDK,
}
