package io.cachet.tls;

import io.cachet.conf.CachetKeys;
import io.netty.handler.ssl.NotSslRecordException;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns the exceptions TLS engines raise (JDK and BoringSSL word them differently) into the
 * messages of DESIGN §4: the peer, the side, the cause and the fix.
 */
public final class HandshakeFailures {
    private HandshakeFailures() {}

    /**
     * Explains why this client's handshake with {@code server} failed. When the cause is "nothing in
     * common", the server is probed so the message can list both sides.
     */
    public static TlsHandshakeException explainClientFailure(Throwable failure, InetSocketAddress server, TlsContexts contexts) {
        String peer = "server " + server.getHostString() + ":" + server.getPort();
        Optional<PeerCertificateException> refused = cause(failure, PeerCertificateException.class);
        if (refused.isPresent()) {
            return new TlsHandshakeException(prefixed("TLS client", refused.get().diagnosis()), failure);
        }
        String text = text(failure);
        TlsSettings settings = contexts.settings();
        TlsKeyNames keys = settings.keys();
        boolean hasIdentity = contexts.material().identity().isPresent();
        if (isPlaintextAnswer(failure, text)) {
            return new TlsHandshakeException(new TlsDiagnosis(
                    "TLS client: %s answered in plaintext; that port does not speak TLS".formatted(peer),
                    "%s to match a plaintext server, or enable TLS on the server".formatted(keys.turnTlsOff())), failure);
        }
        if (text.contains("certificate_required") || (!hasIdentity && text.contains("bad_certificate"))) {
            return new TlsHandshakeException(new TlsDiagnosis(
                    "TLS client: %s requires a client certificate (mutual TLS) and this client %s".formatted(peer, hasIdentity ? "presented none it accepts" : "has none configured"),
                    "set %s to a certificate issued by a CA the server trusts".formatted(keys.identity())), failure);
        }
        // BoringSSL servers answer a client certificate their trust manager refused with internal_error.
        if (List.of("bad_certificate", "certificate_unknown", "unknown_ca", "certificate_revoked", "certificate_expired", "unsupported_certificate", "access_denied")
                .stream().anyMatch(text::contains) || (hasIdentity && text.contains("internal_error"))) {
            String subject = contexts.material().identity().map(identity -> CertificateDetails.subject(identity.leaf())).orElse("none");
            return new TlsHandshakeException(new TlsDiagnosis(
                    "TLS client: %s refused this client's certificate (subject %s): %s".formatted(peer, subject, alertName(text)),
                    "the server does not trust its issuer, or found it revoked or expired; see the server's log, and make the server trust this client's CA, "
                            + "or set %s to a certificate from a CA the server trusts".formatted(keys.identity())),
                    failure);
        }
        if (ServerTlsProbe.isNegotiationRefusal(failure)) {
            ServerTlsProbe.Accepted accepted = ServerTlsProbe.probe(server, contexts.material(), settings.handshakeTimeout());
            List<String> clientCiphers = contexts.dataPlaneCiphers();
            if (!accepted.protocols().isEmpty() && overlaps(accepted.protocols(), settings.clientProtocols()) && overlaps(accepted.ciphers(), clientCiphers) && !hasIdentity) {
                return new TlsHandshakeException(new TlsDiagnosis(
                        "TLS client: %s refused the handshake (%s) although protocols and ciphers match; it probably requires a client certificate (mutual TLS)".formatted(peer, alertName(text)),
                        "set %s to a certificate the server trusts".formatted(keys.identity())), failure);
            }
            return new TlsHandshakeException(new TlsDiagnosis(
                    "TLS client: no protocol or cipher suite in common with %s (%s). This client offers protocols %s and ciphers %s; the server accepts protocols %s and ciphers %s"
                            .formatted(peer, alertName(text), settings.clientProtocols(), clientCiphers,
                                    accepted.protocols().isEmpty() ? "(none that this JVM can offer)" : accepted.protocols(),
                                    accepted.ciphers().isEmpty() ? "(none that this JVM can offer)" : accepted.ciphers()),
                    "make %s / %s here and the server's protocols and ciphers share at least one protocol and one cipher suite".formatted(keys.clientProtocols(), keys.ciphers())),
                    failure);
        }
        if (cause(failure, ClosedChannelException.class).isPresent() || text.contains("closed") || text.contains("connection reset") || text.contains("remote host terminated")) {
            return new TlsHandshakeException(new TlsDiagnosis(
                    "TLS client: %s closed the connection during the TLS handshake".formatted(peer),
                    "check that the server has TLS enabled on this port (a plaintext server drops TLS clients), and see the server's log for why it refused this client"), failure,
                    true);
        }
        if (text.contains("timed out") || text.contains("timeout")) {
            return new TlsHandshakeException(new TlsDiagnosis(
                    "TLS client: %s did not complete a TLS handshake within %s".formatted(peer, settings.handshakeTimeout()),
                    "check that this is a TLS port and that nothing in between holds the connection; raise %s for slow links".formatted(keys.handshakeTimeout())), failure,
                    true);
        }
        return new TlsHandshakeException(new TlsDiagnosis(
                "TLS client: handshake with %s failed: %s".formatted(peer, rootMessage(failure)),
                "run cachet tls check %s:%d with the same settings for a diagnosis".formatted(server.getHostString(), server.getPort())), failure);
    }

    /**
     * Explains why a server closed a plaintext client's connection without answering: when the
     * server turns out to speak TLS on that port, says so and which setting to change.
     */
    public static IOException explainPlaintextClientRefused(InetSocketAddress server, Duration timeout, Throwable failure) {
        return explainPlaintextClientRefused(server, timeout, failure, TlsKeyNames.CLUSTER);
    }

    /** As {@link #explainPlaintextClientRefused(InetSocketAddress, java.time.Duration, Throwable)}, naming the keys of {@code keys}. */
    public static IOException explainPlaintextClientRefused(InetSocketAddress server, Duration timeout, Throwable failure, TlsKeyNames keys) {
        String peer = "server " + server.getHostString() + ":" + server.getPort();
        if (ServerTlsProbe.speaksTls(server, timeout)) {
            return new TlsHandshakeException(new TlsDiagnosis(
                    "Plaintext client: %s speaks TLS, and this client has TLS off".formatted(peer),
                    "%s (and %s to the CA that issued the server's certificate)".formatted(keys.turnTlsOn(), keys.truststorePath())), failure);
        }
        return new IOException("Connection to %s closed before it answered: %s".formatted(peer, failure == null ? "closed" : rootMessage(failure)), failure);
    }

    /**
     * Explains a TLS connection the server closed during the handshake without a TLS alert: when the
     * server turns out not to speak TLS on that port (a plaintext HTTP/2 server drops a ClientHello),
     * says so; otherwise empty, and the caller reports the closed connection as it is.
     */
    public static Optional<TlsHandshakeException> explainClosedByPlaintextServer(InetSocketAddress server, Duration timeout, Throwable failure,
            TlsKeyNames keys) {
        if (ServerTlsProbe.speaksTls(server, timeout)) {
            return Optional.empty();
        }
        String peer = "server " + server.getHostString() + ":" + server.getPort();
        return Optional.of(new TlsHandshakeException(new TlsDiagnosis(
                "TLS client: %s does not speak TLS on that port (it closed the connection at the TLS handshake; a plaintext server does)".formatted(peer),
                "%s to match a plaintext server, or enable TLS on the server".formatted(keys.turnTlsOff())), failure));
    }

    /** What kind of failure {@code failure} is, for the failed-handshake counters. */
    public static TlsFailureCause classify(Throwable failure) {
        Optional<PeerCertificateException> refused = cause(failure, PeerCertificateException.class);
        if (refused.isPresent()) {
            return switch (refused.get().reason()) {
                case UNTRUSTED -> TlsFailureCause.UNTRUSTED;
                case EXPIRED -> TlsFailureCause.EXPIRED;
                case NOT_YET_VALID -> TlsFailureCause.NOT_YET_VALID;
                case REVOKED -> TlsFailureCause.REVOKED;
                case HOSTNAME -> TlsFailureCause.HOSTNAME;
                case MISSING -> TlsFailureCause.NO_CERTIFICATE;
            };
        }
        String text = text(failure);
        if (isPlaintextAnswer(failure, text)) {
            return TlsFailureCause.PLAINTEXT;
        }
        if (isMissingCertificate(text)) {
            return TlsFailureCause.NO_CERTIFICATE;
        }
        if (ServerTlsProbe.isNegotiationRefusal(failure)) {
            return TlsFailureCause.NO_COMMON_PROTOCOL;
        }
        if (text.contains("timed out") || text.contains("timeout")) {
            return TlsFailureCause.TIMEOUT;
        }
        return TlsFailureCause.OTHER;
    }

    /** Explains a failed handshake on the server side, for the server's log. */
    public static TlsDiagnosis explainServerFailure(Throwable failure, String peer) {
        Optional<PeerCertificateException> refused = cause(failure, PeerCertificateException.class);
        if (refused.isPresent()) {
            return prefixed("TLS server", refused.get().diagnosis());
        }
        String text = text(failure);
        if (isPlaintextAnswer(failure, text)) {
            return new TlsDiagnosis("TLS server: plaintext connection from %s to a TLS port, closed".formatted(peer),
                    "the client must %s (and trust this server's CA)".formatted(TlsKeyNames.CLUSTER.turnTlsOn()));
        }
        if (isMissingCertificate(text)) {
            return new TlsDiagnosis("TLS server: client %s presented no certificate, and %s=required".formatted(peer, CachetKeys.TLS_CLIENT_AUTH.name()),
                    "give the client a certificate (its %s), or set %s=optional on this server".formatted(TlsKeyNames.CLUSTER.identity(), CachetKeys.TLS_CLIENT_AUTH.name()));
        }
        if (ServerTlsProbe.isNegotiationRefusal(failure)) {
            return new TlsDiagnosis("TLS server: no protocol or cipher suite in common with client %s (%s)".formatted(peer, rootMessage(failure)),
                    "align %s and %s here with the client's settings".formatted(CachetKeys.TLS_SERVER_PROTOCOLS.name(), CachetKeys.TLS_CIPHERS.name()));
        }
        return new TlsDiagnosis("TLS server: handshake with client %s failed: %s".formatted(peer, rootMessage(failure)),
                "see the client's error for its side of the story");
    }

    private static TlsDiagnosis prefixed(String side, TlsDiagnosis diagnosis) {
        return new TlsDiagnosis(side + ": " + diagnosis.problem(), diagnosis.fix());
    }

    private static boolean isPlaintextAnswer(Throwable failure, String text) {
        return cause(failure, NotSslRecordException.class).isPresent()
                || cause(failure, io.grpc.netty.shaded.io.netty.handler.ssl.NotSslRecordException.class).isPresent()
                || text.contains("unsupported or unrecognized ssl message")
                || text.contains("wrong_version_number")
                || text.contains("not an ssl/tls record")
                || text.contains("http_request");
    }

    private static boolean isMissingCertificate(String text) {
        return text.contains("peer sent no certificates") || text.contains("empty client certificate") || text.contains("certificate_required")
                || text.contains("peer_did_not_return_a_certificate") || text.contains("empty server certificate chain");
    }

    private static boolean overlaps(List<String> a, List<String> b) {
        return a.stream().anyMatch(b::contains);
    }

    private static String alertName(String text) {
        for (String alert : List.of("handshake_failure", "protocol_version", "insufficient_security", "bad_certificate", "certificate_unknown",
                "unknown_ca", "certificate_revoked", "certificate_expired", "unsupported_certificate", "access_denied", "no_shared_cipher", "internal_error")) {
            if (text.contains(alert)) {
                return "alert " + alert;
            }
        }
        return "handshake refused";
    }

    private static <T extends Throwable> Optional<T> cause(Throwable failure, Class<T> type) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return Optional.of(type.cast(cause));
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return Optional.empty();
    }

    private static String text(Throwable failure) {
        StringBuilder text = new StringBuilder();
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            text.append(cause.getClass().getSimpleName()).append(": ").append(cause.getMessage()).append(" | ");
        }
        return text.toString().toLowerCase(Locale.ROOT);
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
