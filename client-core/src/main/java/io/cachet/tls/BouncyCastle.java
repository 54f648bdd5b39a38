package io.cachet.tls;

import org.bouncycastle.jce.provider.BouncyCastleProvider;

import java.security.Provider;

/**
 * BouncyCastle's JCE provider, for the password-based ciphers of encrypted PEM keys that the JDK
 * lacks. Used as an explicit provider object, never registered with {@code java.security.Security},
 * so Cachet changes nothing for the engine it runs in.
 */
public final class BouncyCastle {
    private BouncyCastle() {}

    public static Provider provider() {
        return Holder.PROVIDER;
    }

    // Created on first use: building the provider takes tens of milliseconds.
    private static final class Holder {
        static final Provider PROVIDER = new BouncyCastleProvider();
    }
}
