package io.cachet.server;

import io.cachet.conf.CachetKeys;
import io.cachet.tls.HandshakeFailures;
import io.cachet.tls.TlsFailureCause;
import io.cachet.transfer.TransferProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLEngine;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * The first-bytes decision of a listener, the same on both planes: TLS or plaintext by the first byte
 * (a TLS record starts with 0x16) as the listener's {@link ConnectionPolicy.Inbound} allows, a
 * connection that sends nothing in time closed, and every outcome counted and logged with the peer.
 * The data plane runs on Netty and gRPC on the Netty copy inside grpc-netty-shaded, so one handler
 * cannot serve both: each plane's handler does the channel work and asks this class everything else.
 */
public final class FirstByteSniffer {
    private static final Logger log = LoggerFactory.getLogger(FirstByteSniffer.class);

    /** What to do with a connection. */
    public enum Route {
        TLS,
        PLAINTEXT,
        /** A TLS client at a plaintext-only port: answer {@link TransferProtocol#PLAINTEXT_ANSWER}, so its TLS engine reports a plaintext peer, and close. */
        REFUSE_TLS,
    }

    private final ConnectionPolicy.Inbound inbound;
    private final String listener;
    private final ConnectionCounters.Listener counters;
    private final Duration timeout;

    /**
     * @param listener how logs name the listener ("Data listener", "worker gRPC listener")
     * @param timeout how long a connection may take to send its first bytes and to finish its TLS handshake
     */
    public FirstByteSniffer(ConnectionPolicy.Inbound inbound, String listener, ConnectionCounters.Listener counters, Duration timeout) {
        this.inbound = requireNonNull(inbound, "inbound is null");
        this.listener = requireNonNull(listener, "listener is null");
        this.counters = requireNonNull(counters, "counters is null");
        this.timeout = requireNonNull(timeout, "timeout is null");
    }

    public Duration timeout() {
        return timeout;
    }

    /** The route of a connection whose first byte is {@code first}; a TLS client refused is counted and logged here. */
    public Route route(byte first, String peer) {
        boolean startsTls = first == TransferProtocol.TLS_HANDSHAKE_RECORD;
        Route route = switch (inbound) {
            case TLS_ONLY -> Route.TLS;
            case BOTH -> startsTls ? Route.TLS : Route.PLAINTEXT;
            case PLAINTEXT_ONLY -> startsTls ? Route.REFUSE_TLS : Route.PLAINTEXT;
        };
        if (route == Route.REFUSE_TLS) {
            counters.refused();
            log.warn("{} ({}): a TLS client reached this plaintext port, closed. Fix: the client must set {}=false, or enable TLS on this server",
                    listener, peer, CachetKeys.TLS_ENABLED.name());
        }
        return route;
    }

    /** The connection sent nothing within the timeout; the caller closes it. */
    public void silent(String peer) {
        counters.refused();
        log.warn("{} ({}): sent nothing within {}, closed", listener, peer, timeout);
    }

    /** A TLS handshake ended: {@code failure} is null when it succeeded. */
    public void handshakeDone(String peer, SSLEngine engine, Throwable failure) {
        if (failure == null) {
            counters.tlsHandshake(engine);
            return;
        }
        counters.handshakeFailed(HandshakeFailures.classify(failure));
        log.warn("{} ({}): {}", listener, peer, HandshakeFailures.explainServerFailure(failure, peer).message());
    }

    /** The TLS handshake did not finish within the timeout; the caller closes the connection. */
    public void handshakeTimedOut(String peer) {
        counters.handshakeFailed(TlsFailureCause.TIMEOUT);
        log.warn("{} ({}): TLS handshake not finished within {}, closed", listener, peer, timeout);
    }

    /** A plaintext connection was accepted. */
    public void plaintextAccepted() {
        counters.plaintextConnection();
    }
}
