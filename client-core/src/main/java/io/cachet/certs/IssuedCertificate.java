package io.cachet.certs;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

import static java.util.Objects.requireNonNull;

/** A private key and its certificate chain, leaf first, ending with the issuing CA. */
public record IssuedCertificate(PrivateKey privateKey, List<X509Certificate> chain) {
    public IssuedCertificate {
        requireNonNull(privateKey, "privateKey is null");
        chain = List.copyOf(chain);
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }
}
