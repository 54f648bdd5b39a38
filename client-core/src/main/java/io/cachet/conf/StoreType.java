package io.cachet.conf;

/** The format of a key store or trust store file. */
public enum StoreType {
    JKS,
    PKCS12,
    PEM,
}
