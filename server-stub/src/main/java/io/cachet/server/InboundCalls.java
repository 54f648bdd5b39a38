package io.cachet.server;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.net.SocketAddress;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.Set;

/**
 * Checks every call against the node's {@link ConnectionPolicy} once the listener has let the
 * connection in: a plaintext call from a peer server must come from a place the internode mode lets
 * talk plaintext, a plaintext call from a client needs {@code tls.enabled=false} (or transitional),
 * and server-to-server methods are refused to callers that do not say which node they are.
 */
final class InboundCalls implements ServerInterceptor {
    private static final Logger log = LoggerFactory.getLogger(InboundCalls.class);
    private static final ServerCall.Listener<Object> NOTHING = new ServerCall.Listener<>() {};

    private final ConnectionPolicy policy;
    private final Set<String> internodeMethods;
    private final InternodePeers peers;
    private final String listener;

    InboundCalls(ConnectionPolicy policy, Set<String> internodeMethods, InternodePeers peers, String listener) {
        this.policy = policy;
        this.internodeMethods = Set.copyOf(internodeMethods);
        this.peers = peers;
        this.listener = listener;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        boolean tls = session != null;
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        Optional<NodeIdentity> peer = NodeIdentity.from(headers);
        String method = call.getMethodDescriptor().getFullMethodName();
        if (peer.isPresent()) {
            NodeIdentity caller = peer.get();
            if (!tls && !policy.acceptsPlaintextFrom(caller.dc(), caller.rack())) {
                peers.refused(caller);
                String message = ("%s refused a plaintext call to %s from peer %s at %s: cachet.network.tls.internode.encryption=%s on this node "
                        + "(dc %s, rack %s) requires TLS from that peer. Fix: give the peer TLS material and move it to transitional, then %s")
                        .formatted(listener, method, caller, remote, policy.internode().name().toLowerCase(), policy.dc(), policy.rack(),
                                policy.internode().name().toLowerCase());
                log.warn(message);
                return refuse(call, Status.PERMISSION_DENIED.withDescription(message));
            }
            peers.accepted(caller, tls, tls ? certificateSubject(session) : Optional.empty());
            return next.startCall(call, headers);
        }
        if (internodeMethods.contains(method)) {
            String message = "%s refused %s from %s: it is a server-to-server call and the caller did not say which node it is (cachet-node-* headers)"
                    .formatted(listener, method, remote);
            log.warn(message);
            return refuse(call, Status.PERMISSION_DENIED.withDescription(message));
        }
        if (!tls && !policy.plaintextClients()) {
            String message = ("%s requires TLS from clients (cachet.network.tls.enabled=true) and refused a plaintext call to %s from %s. "
                    + "Fix: set cachet.network.tls.enabled=true and a truststore on the client").formatted(listener, method, remote);
            log.warn(message);
            return refuse(call, Status.UNAUTHENTICATED.withDescription(message));
        }
        return next.startCall(call, headers);
    }

    @SuppressWarnings("unchecked")
    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
        call.close(status, new Metadata());
        return (ServerCall.Listener<Q>) NOTHING;
    }

    /** The subject a mutual-TLS peer authenticated with; none when it presented no certificate. */
    private static Optional<String> certificateSubject(SSLSession session) {
        try {
            return session.getPeerCertificates().length > 0 && session.getPeerCertificates()[0] instanceof X509Certificate certificate
                    ? Optional.of(certificate.getSubjectX500Principal().getName())
                    : Optional.empty();
        }
        catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
    }
}
