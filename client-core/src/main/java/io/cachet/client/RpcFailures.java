package io.cachet.client;

import io.cachet.conf.CachetKeys;
import io.cachet.rpc.TransportFailures;
import io.cachet.tls.HandshakeFailures;
import io.cachet.tls.TlsContexts;
import io.cachet.tls.TlsHandshakeException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import javax.net.ssl.SSLException;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.Optional;

/**
 * Turns a gRPC call's transport failure into the message a user can act on: a TLS handshake failure
 * explained the way every Cachet TLS failure is, a plaintext client at a TLS port, nothing listening.
 */
final class RpcFailures {
    private static final Duration PLAINTEXT_PROBE_TIMEOUT = Duration.ofSeconds(5);

    private final Optional<TlsContexts> tls;
    private final ClientMetrics metrics;

    RpcFailures(Optional<TlsContexts> tls, ClientMetrics metrics) {
        this.tls = tls;
        this.metrics = metrics;
    }

    /** The failure of a call to {@code peer} ("coordinator", "worker w1") at {@code address}. */
    IOException explain(StatusRuntimeException e, String peer, InetSocketAddress address) {
        if (tls.isPresent()) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof SSLException || cause instanceof CertificateException) {
                    metrics.handshakeFailures.increment();
                    return HandshakeFailures.explainClientFailure(cause, address, tls.get());
                }
            }
        }
        else if (e.getStatus().getCode() == Status.Code.UNAVAILABLE && !TransportFailures.causedBy(e, ConnectException.class)) {
            IOException explained = HandshakeFailures.explainPlaintextClientRefused(address, PLAINTEXT_PROBE_TIMEOUT, e);
            if (explained instanceof TlsHandshakeException) {
                return explained;
            }
        }
        if (TransportFailures.causedBy(e, ConnectException.class)) {
            return new IOException("Cannot connect to the %s at %s:%d: nothing listens there (connection refused). Fix: start it, or point %s at the right host:port"
                    .formatted(peer, address.getHostString(), address.getPort(), peer.equals("coordinator") ? CachetKeys.COORDINATOR_ADDRESS.name() : "the client"), e);
        }
        return new IOException("%s at %s:%d failed: %s".formatted(peer, address.getHostString(), address.getPort(), TransportFailures.oneLine(e)), e);
    }
}
