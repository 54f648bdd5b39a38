package io.cachet.certs;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * A certificate authority for development clusters and tests: it issues server and client
 * certificates with the SANs asked for, and revocation lists. Not for production PKI.
 */
public final class CertificateAuthority {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * Whom an issued certificate is for. A node serves and also dials its peers, so it gets both key
     * purposes, and {@code OU=cachet-node}, which the default {@code cachet.security.node.principal}
     * asks of a peer before it may act as a node; a client's certificate never carries it.
     */
    public enum Usage {
        NODE("cachet-node", KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth),
        CLIENT("cachet-client", KeyPurposeId.id_kp_clientAuth);

        private final String organizationalUnit;
        private final KeyPurposeId[] purposes;

        Usage(String organizationalUnit, KeyPurposeId... purposes) {
            this.organizationalUnit = organizationalUnit;
            this.purposes = purposes;
        }
    }

    private final KeyPair keyPair;
    private final X509Certificate certificate;
    private final KeyAlgorithm algorithm;

    private CertificateAuthority(KeyPair keyPair, X509Certificate certificate, KeyAlgorithm algorithm) {
        this.keyPair = requireNonNull(keyPair, "keyPair is null");
        this.certificate = requireNonNull(certificate, "certificate is null");
        this.algorithm = requireNonNull(algorithm, "algorithm is null");
    }

    public static CertificateAuthority create(String name, KeyAlgorithm algorithm, Duration validity) {
        KeyPair keyPair = algorithm.generate();
        Instant now = Instant.now();
        X500Name subject = new X500Name("O=Cachet development,CN=" + name);
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now.minus(CLOCK_SKEW)),
                    Date.from(now.plus(validity)), subject, keyPair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keyPair.getPublic()));
            X509Certificate certificate = sign(builder, signer(algorithm, keyPair));
            return new CertificateAuthority(keyPair, certificate, algorithm);
        }
        catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("Cannot create the development CA", e);
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public IssuedCertificate asIssued() {
        return new IssuedCertificate(keyPair.getPrivate(), List.of(certificate));
    }

    /** Issues a certificate valid from now (less a little clock skew) for {@code validity}. */
    public IssuedCertificate issue(String commonName, List<String> hosts, Usage usage, KeyAlgorithm keyAlgorithm, Duration validity) {
        Instant now = Instant.now();
        return issue(commonName, hosts, usage, keyAlgorithm, now.minus(CLOCK_SKEW), now.plus(validity));
    }

    /** Issues a certificate with an explicit validity window (tests use past and future windows). */
    public IssuedCertificate issue(String commonName, List<String> hosts, Usage usage, KeyAlgorithm keyAlgorithm, Instant notBefore, Instant notAfter) {
        KeyPair subjectKeys = keyAlgorithm.generate();
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(), Date.from(notBefore), Date.from(notAfter),
                    new X500Name("O=Cachet development,OU=" + usage.organizationalUnit + ",CN=" + commonName), subjectKeys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(usage.purposes))
                    .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(subjectKeys.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(certificate));
            if (!hosts.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false, subjectAlternativeNames(hosts));
            }
            X509Certificate issued = sign(builder, signer(algorithm, keyPair));
            return new IssuedCertificate(subjectKeys.getPrivate(), List.of(issued, certificate));
        }
        catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("Cannot issue a certificate for " + commonName, e);
        }
    }

    /** A CRL signed by this CA that revokes the given certificates, valid for {@code validity}. */
    public X509CRL revocationList(List<X509Certificate> revoked, Duration validity) {
        Instant now = Instant.now();
        try {
            X509v2CRLBuilder builder = new X509v2CRLBuilder(X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()), Date.from(now.minus(CLOCK_SKEW)));
            builder.setNextUpdate(Date.from(now.plus(validity)));
            for (X509Certificate certificate : revoked) {
                builder.addCRLEntry(certificate.getSerialNumber(), Date.from(now.minus(CLOCK_SKEW)), CRLReason.keyCompromise);
            }
            builder.addExtension(Extension.authorityKeyIdentifier, false, new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(certificate));
            builder.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.valueOf(now.toEpochMilli())));
            return new JcaX509CRLConverter().getCRL(builder.build(signer(algorithm, keyPair)));
        }
        catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("Cannot create a revocation list", e);
        }
    }

    private static GeneralNames subjectAlternativeNames(List<String> hosts) {
        List<GeneralName> names = new ArrayList<>();
        for (String host : hosts) {
            boolean ipAddress = IPV4.matcher(host).matches() || host.contains(":");
            names.add(new GeneralName(ipAddress ? GeneralName.iPAddress : GeneralName.dNSName, host));
        }
        return new GeneralNames(names.toArray(new GeneralName[0]));
    }

    private static ContentSigner signer(KeyAlgorithm algorithm, KeyPair keyPair) {
        try {
            return new JcaContentSignerBuilder(algorithm.signatureAlgorithm()).build(keyPair.getPrivate());
        }
        catch (OperatorCreationException e) {
            throw new IllegalStateException("Cannot sign with " + algorithm, e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, ContentSigner signer) throws GeneralSecurityException {
        X509CertificateHolder holder = builder.build(signer);
        return new JcaX509CertificateConverter().getCertificate(holder);
    }

    private static BigInteger serial() {
        return new BigInteger(64, RANDOM).add(BigInteger.ONE);
    }

}
