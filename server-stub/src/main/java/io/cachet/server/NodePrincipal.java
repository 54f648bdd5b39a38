package io.cachet.server;

import io.cachet.conf.CachetKeys;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * Which certificates belong to nodes ({@code cachet.security.node.principal}): a regular expression
 * that must match the whole of one of the certificate's names. The names are the subject DN as
 * RFC 2253 writes it, each of its RDNs ({@code OU=cachet-node}), and each subject alternative name
 * as {@code DNS:name}, {@code IP:address} or {@code URI:uri}. The default, {@code OU=cachet-node},
 * is what {@code cachet certs generate} puts in node certificates and never in client ones.
 */
public record NodePrincipal(Pattern pattern) {
    private static final int SAN_DNS = 2;
    private static final int SAN_URI = 6;
    private static final int SAN_IP = 7;

    public NodePrincipal {
        requireNonNull(pattern, "pattern is null");
    }

    public boolean matches(X509Certificate certificate) {
        return names(certificate).stream().anyMatch(name -> pattern.matcher(name).matches());
    }

    /** Why {@code certificate} is not a node's, with the fix. */
    public String mismatch(X509Certificate certificate) {
        return "certificate %s does not match %s=%s (names tried: %s). Fix: give nodes certificates that match it "
                .formatted(subject(certificate), CachetKeys.SECURITY_NODE_PRINCIPAL.name(), pattern.pattern(), names(certificate))
                + "(cachet certs generate issues node certificates with OU=cachet-node), or set the key to a pattern your node certificates match";
    }

    static String subject(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName(X500Principal.RFC2253);
    }

    /** Every name the pattern may match, in the order listed in the class comment. */
    static List<String> names(X509Certificate certificate) {
        List<String> names = new ArrayList<>();
        String subject = subject(certificate);
        names.add(subject);
        try {
            for (Rdn rdn : new LdapName(subject).getRdns()) {
                names.add(rdn.toString());
            }
        }
        catch (InvalidNameException e) {
            // The JDK wrote this name itself; it parses. The whole subject still counts.
        }
        try {
            Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (List<?> alternative : alternatives) {
                    String prefix = switch ((Integer) alternative.get(0)) {
                        case SAN_DNS -> "DNS:";
                        case SAN_URI -> "URI:";
                        case SAN_IP -> "IP:";
                        default -> null;
                    };
                    if (prefix != null) {
                        names.add(prefix + alternative.get(1));
                    }
                }
            }
        }
        catch (CertificateParsingException e) {
            // A certificate with unreadable SANs is judged by its subject alone.
        }
        return names;
    }
}
