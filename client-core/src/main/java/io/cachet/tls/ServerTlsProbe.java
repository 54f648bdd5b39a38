package io.cachet.tls;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Finds out which protocol versions and cipher suites a server accepts, one handshake attempt each,
 * so a "no protocol or cipher in common" failure can show both sides' lists. Used only after a
 * handshake has already failed; it never weakens trust (it uses the node's own trust manager, and
 * a refused certificate still counts as "the server accepted the suite").
 */
final class ServerTlsProbe {
    record Accepted(List<String> protocols, List<String> ciphers) {}

    private ServerTlsProbe() {}

    static Accepted probe(InetSocketAddress server, TlsMaterial material, Duration timeout) {
        SSLContext context;
        try {
            context = SSLContext.getInstance("TLS");
            context.init(material.keyManager().map(manager -> new KeyManager[] {manager}).orElse(null), new TrustManager[] {material.trustManager()}, null);
        }
        catch (GeneralSecurityException e) {
            return new Accepted(List.of(), List.of());
        }
        List<String> protocols = new ArrayList<>();
        List<String> ciphers = new ArrayList<>();
        String[] supported = context.getSupportedSSLParameters().getCipherSuites();
        for (String protocol : CipherSuites.PROTOCOLS) {
            if (!accepts(context, server, protocol, null, timeout)) {
                continue;
            }
            protocols.add(protocol);
            for (String cipher : supported) {
                boolean tls13Suite = !cipher.contains("_WITH_");
                if (cipher.contains("SCSV") || tls13Suite != protocol.equals("TLSv1.3")) {
                    continue;
                }
                if (accepts(context, server, protocol, cipher, timeout) && !ciphers.contains(cipher)) {
                    ciphers.add(cipher);
                }
            }
        }
        return new Accepted(protocols, ciphers);
    }

    /**
     * Whether a TLS server answers at {@code server}: a ServerHello counts, whatever happens to the
     * certificate afterwards, so the JVM's default trust is enough and nothing is trusted blindly.
     */
    static boolean speaksTls(InetSocketAddress server, Duration timeout) {
        try {
            SSLContext context = SSLContext.getDefault();
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
                socket.connect(server, (int) timeout.toMillis());
                socket.setSoTimeout((int) timeout.toMillis());
                socket.startHandshake();
                return true;
            }
        }
        catch (SSLException e) {
            String text = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
            // A certificate problem or an alert means a TLS server answered; garbage or a closed socket means it did not.
            return !(text.contains("unsupported or unrecognized ssl message") || text.contains("remote host terminated")
                    || text.contains("plaintext connection"));
        }
        catch (IOException | GeneralSecurityException e) {
            return false;
        }
    }

    private static boolean accepts(SSLContext context, InetSocketAddress server, String protocol, String cipher, Duration timeout) {
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
            socket.connect(server, (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            socket.setEnabledProtocols(new String[] {protocol});
            if (cipher != null) {
                socket.setEnabledCipherSuites(new String[] {cipher});
            }
            socket.startHandshake();
            return true;
        }
        catch (SSLException e) {
            return !isNegotiationRefusal(e);
        }
        catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    /** Alerts (JDK and BoringSSL spellings) that mean "nothing in common", as opposed to a later certificate problem. */
    static boolean isNegotiationRefusal(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            String message = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
            if (Arrays.asList("handshake_failure", "protocol_version", "insufficient_security", "no appropriate protocol",
                    "no_shared_cipher", "no_cipher", "unsupported_protocol", "no cipher suites in common").stream().anyMatch(message::contains)) {
                return true;
            }
        }
        return false;
    }
}
