package io.cachet.server;

import io.cachet.conf.CachetKeys;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

import javax.net.ssl.SSLSession;

import java.util.Optional;
import java.util.Set;

/**
 * Checks every call once the listener has let the connection in. A call that claims to come from a
 * node ({@code cachet-node-*} headers) must prove it ({@link NodeSecurity}) and, over plaintext, come
 * from a place the internode mode lets talk plaintext; the proven caller rides along in the call's
 * context. Server-only methods are refused to every caller that is not a proven node. A plaintext
 * call from a client needs {@code tls.enabled=false} (or transitional).
 */
final class InboundCalls implements ServerInterceptor {
    private static final ServerCall.Listener<Object> NOTHING = new ServerCall.Listener<>() {};

    private final ConnectionPolicy policy;
    private final NodeSecurity security;
    private final Set<String> internodeMethods;
    private final InternodePeers peers;
    private final RefusalLog refusals;
    private final String listener;

    InboundCalls(ConnectionPolicy policy, NodeSecurity security, Set<String> internodeMethods, InternodePeers peers, String listener) {
        this.policy = policy;
        this.security = security;
        this.internodeMethods = Set.copyOf(internodeMethods);
        this.peers = peers;
        this.refusals = new RefusalLog(InboundCalls.class);
        this.listener = listener;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Optional<SSLSession> session = Optional.ofNullable(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        boolean tls = session.isPresent();
        String address = ConnectionAddresses.host(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
        Optional<NodeIdentity> claimed = NodeIdentity.from(headers);
        String method = call.getMethodDescriptor().getFullMethodName();
        if (claimed.isPresent()) {
            NodeIdentity caller = claimed.get();
            if (!tls && !policy.acceptsPlaintextFrom(caller.dc(), caller.rack())) {
                peers.refused(caller, address);
                String mode = policy.internode().name().toLowerCase();
                return refuse(call, Status.PERMISSION_DENIED, address, ("%s refused a plaintext call to %s from peer %s at %s: %s=%s on this node "
                        + "(dc %s, rack %s) requires TLS from that peer. Fix: give the peer TLS material and move it to transitional, then %s")
                        .formatted(listener, method, caller, address, CachetKeys.TLS_INTERNODE_ENCRYPTION.name(), mode, policy.dc(), policy.rack(), mode));
            }
            NodeSecurity.Verdict verdict = security.authenticate(session, headers, method, caller, address);
            if (verdict.node().isEmpty()) {
                peers.refused(caller, address);
                return refuse(call, Status.PERMISSION_DENIED, address, "%s refused %s from %s, which says it is node %s, over %s: %s"
                        .formatted(listener, method, address, caller, tls ? "TLS" : "plaintext", verdict.refusal()));
            }
            ProvenNode node = verdict.node().get();
            peers.accepted(caller, tls, node.byCertificate() ? Optional.of(node.principal()) : Optional.empty());
            ServerCall.Listener<Q> listener = Contexts.interceptCall(node.attachTo(Context.current()), call, headers, next);
            if (verdict.bodyDigest().isPresent()) {
                return new ProvenBody<>(listener, call, verdict.bodyDigest().get(), caller, address);
            }
            return listener;
        }
        if (internodeMethods.contains(method)) {
            return refuse(call, Status.PERMISSION_DENIED, address, ("%s refused %s from %s: it is a server-to-server call, and only a node that proves it is one may make it "
                    + "(a node certificate over TLS, or the cluster secret over plaintext)").formatted(listener, method, address));
        }
        if (!tls && !policy.plaintextClients()) {
            return refuse(call, Status.UNAUTHENTICATED, address, ("%s requires TLS from clients (%s=true) and refused a plaintext call to %s from %s. "
                    + "Fix: set %s=true and a truststore on the client").formatted(listener, CachetKeys.TLS_ENABLED.name(), method, address, CachetKeys.TLS_ENABLED.name()));
        }
        return next.startCall(call, headers);
    }

    /**
     * Lets the request of a call proven by the cluster secret through only when it is the request the
     * proof was made for: a proof taken off the wire cannot carry another request.
     */
    private final class ProvenBody<Q, R> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
        private final ServerCall<Q, R> call;
        private final String digest;
        private final NodeIdentity caller;
        private final String address;
        private boolean refused;

        ProvenBody(ServerCall.Listener<Q> delegate, ServerCall<Q, R> call, String digest, NodeIdentity caller, String address) {
            super(delegate);
            this.call = call;
            this.digest = digest;
            this.caller = caller;
            this.address = address;
        }

        @Override
        public void onMessage(Q message) {
            if (refused) {
                return;
            }
            if (!ClusterSecret.digest(ProvingCall.serialized(call.getMethodDescriptor(), message)).equals(digest)) {
                refused = true;
                peers.refused(caller, address);
                String method = call.getMethodDescriptor().getFullMethodName();
                String reason = "%s refused %s from %s, which says it is node %s: the request is not the one its cluster-secret proof was made for (a changed or replayed call)"
                        .formatted(listener, method, address, caller);
                refusals.warn(address, reason);
                call.close(Status.PERMISSION_DENIED.withDescription(reason), new Metadata());
                return;
            }
            super.onMessage(message);
        }

        @Override
        public void onHalfClose() {
            // A refused call is closed already: its handler must not run without its request.
            if (!refused) {
                super.onHalfClose();
            }
        }
    }

    @SuppressWarnings("unchecked")
    private <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status, String address, String message) {
        refusals.warn(address, message);
        call.close(status.withDescription(message), new Metadata());
        return (ServerCall.Listener<Q>) NOTHING;
    }
}
