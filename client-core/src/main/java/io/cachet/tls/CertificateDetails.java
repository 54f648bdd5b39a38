package io.cachet.tls;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** What people need to read off a certificate in messages: subject, issuer, common name, SANs, validity. */
public final class CertificateDetails {
    private static final int SAN_DNS = 2;
    private static final int SAN_IP = 7;

    private CertificateDetails() {}

    public static String subject(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName();
    }

    public static String issuer(X509Certificate certificate) {
        return certificate.getIssuerX500Principal().getName();
    }

    public static Optional<String> commonName(X509Certificate certificate) {
        try {
            for (Rdn rdn : new LdapName(subject(certificate)).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return Optional.of(String.valueOf(rdn.getValue()));
                }
            }
            return Optional.empty();
        }
        catch (InvalidNameException e) {
            return Optional.empty();
        }
    }

    /** DNS names and IP addresses, written as {@code DNS:name} and {@code IP:address} as OpenSSL prints them. */
    public static List<String> subjectAlternativeNames(X509Certificate certificate) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> entries = certificate.getSubjectAlternativeNames();
            if (entries != null) {
                for (List<?> entry : entries) {
                    int type = (Integer) entry.get(0);
                    if (type == SAN_DNS) {
                        names.add("DNS:" + entry.get(1));
                    }
                    else if (type == SAN_IP) {
                        names.add("IP:" + entry.get(1));
                    }
                }
            }
        }
        catch (CertificateParsingException e) {
            names.add("(unreadable: " + e.getMessage() + ")");
        }
        return names;
    }

    /** One line: subject, issuer, SANs and validity. */
    public static String describe(X509Certificate certificate) {
        return "subject=%s, issuer=%s, SANs=%s, valid %s to %s".formatted(
                subject(certificate), issuer(certificate), subjectAlternativeNames(certificate),
                certificate.getNotBefore().toInstant(), certificate.getNotAfter().toInstant());
    }
}
