package io.cachet.server;

import io.cachet.conf.CachetConfig;
import io.cachet.conf.CachetKeys;
import io.cachet.conf.ConfigException;
import io.cachet.conf.InternodeEncryption;
import io.cachet.tls.TlsContexts;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * How nodes prove to each other that they are nodes (DESIGN §5a). Over TLS, by a certificate that
 * matches {@link NodePrincipal}; over plaintext, by a {@link ClusterSecret} proof on every call.
 * Built once per node, checked at start: a node that could send or accept plaintext server-to-server
 * calls needs the secret, and a node whose peers talk TLS needs a certificate its peers accept.
 */
public final class NodeSecurity {
    static final Metadata.Key<String> PROOF = Metadata.Key.of("cachet-node-proof", Metadata.ASCII_STRING_MARSHALLER);

    private final NodePrincipal principal;
    private final Optional<ClusterSecret> secret;
    private final String self;

    private NodeSecurity(NodePrincipal principal, Optional<ClusterSecret> secret, String self) {
        this.principal = requireNonNull(principal, "principal is null");
        this.secret = requireNonNull(secret, "secret is null");
        this.self = requireNonNull(self, "self is null");
    }

    /** The coordinator's; a proof made for a worker is not accepted here. */
    public static NodeSecurity ofCoordinator(CachetConfig config, ConnectionPolicy policy, Optional<TlsContexts> tls) {
        return of(config, policy, tls, ClusterSecret.COORDINATOR);
    }

    /** A worker's, named in proofs by its id: a proof made for another node is not accepted here. */
    public static NodeSecurity ofWorker(CachetConfig config, ConnectionPolicy policy, Optional<TlsContexts> tls, String workerId) {
        return of(config, policy, tls, workerId);
    }

    private static NodeSecurity of(CachetConfig config, ConnectionPolicy policy, Optional<TlsContexts> tls, String self) {
        NodePrincipal principal = new NodePrincipal(config.get(CachetKeys.SECURITY_NODE_PRINCIPAL));
        Optional<ClusterSecret> secret = config.find(CachetKeys.SECURITY_INTERNODE_SECRET)
                .map(value -> new ClusterSecret(value, config.get(CachetKeys.SECURITY_INTERNODE_MAX_CLOCK_SKEW), System::currentTimeMillis));
        InternodeEncryption internode = policy.internode();
        String mode = internode.name().toLowerCase();
        if (secret.isEmpty() && internode != InternodeEncryption.ALL) {
            throw new ConfigException(("%s=%s lets server-to-server calls travel in plaintext, and nothing proves such a call "
                    + "comes from a node. Fix: set %s on every node to the same secret (at least %d characters), e.g. ${file:/etc/cachet/cluster.secret} "
                    + "(cachet certs generate writes one), or use TLS between all nodes (internode.encryption=all)")
                    .formatted(CachetKeys.TLS_INTERNODE_ENCRYPTION.name(), mode, CachetKeys.SECURITY_INTERNODE_SECRET.name(), ClusterSecret.MIN_LENGTH));
        }
        if (internode != InternodeEncryption.NONE) {
            tls.flatMap(contexts -> contexts.material().identity()).ifPresent(identity -> {
                if (!principal.matches(identity.leaf())) {
                    throw new ConfigException("This node's own " + principal.mismatch(identity.leaf())
                            + "; its peers would refuse its server-to-server calls over TLS");
                }
            });
        }
        return new NodeSecurity(principal, secret, self);
    }

    /** Puts {@code caller} and, with a cluster secret, a fresh proof on every call of a channel to the coordinator. */
    public ClientInterceptor credentialsToCoordinator(NodeIdentity caller) {
        return credentials(caller, ClusterSecret.COORDINATOR);
    }

    /** As {@link #credentialsToCoordinator}, for a channel to the worker {@code workerId}. */
    public ClientInterceptor credentialsToWorker(NodeIdentity caller, String workerId) {
        return credentials(caller, workerId);
    }

    private ClientInterceptor credentials(NodeIdentity caller, String target) {
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                ClientCall<Q, R> call = new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        caller.writeTo(headers);
                        super.start(listener, headers);
                    }
                };
                if (secret.isEmpty()) {
                    return call;
                }
                return new ProvingCall<>(call, method, body -> secret.get().prove(method.getFullMethodName(), caller, target, body));
            }
        };
    }

    /**
     * The node behind a call that claims to be {@code claimed}, or why it is refused: over TLS its
     * certificate must match the node principal, over plaintext it must carry a valid proof.
     */
    Verdict authenticate(Optional<SSLSession> tls, Metadata headers, String method, NodeIdentity claimed, String address) {
        if (tls.isPresent()) {
            Optional<X509Certificate> certificate = peerCertificate(tls.get());
            if (certificate.isEmpty()) {
                return Verdict.refused("it presented no certificate over TLS. Fix: give every node its node certificate (%s or %s), which it presents to its peers"
                        .formatted(CachetKeys.TLS_KEYSTORE_PATH.name(), CachetKeys.TLS_CERTIFICATE_PATH.name()));
            }
            if (!principal.matches(certificate.get())) {
                return Verdict.refused("its " + principal.mismatch(certificate.get()));
            }
            return Verdict.proven(new ProvenNode(claimed, NodePrincipal.subject(certificate.get()), true, address));
        }
        if (secret.isEmpty()) {
            return Verdict.refused("this node takes server-to-server calls over TLS only. Fix: use TLS between the nodes");
        }
        ClusterSecret.Checked checked = secret.get().check(headers.get(PROOF), method, claimed, self);
        return checked.refusal().map(reason -> Verdict.refused(reason + ". Fix: set the same " + CachetKeys.SECURITY_INTERNODE_SECRET.name() + " on every node"))
                .orElseGet(() -> new Verdict(Optional.of(new ProvenNode(claimed, ProvenNode.CLUSTER_SECRET, false, address)), null, Optional.of(checked.bodyDigest())));
    }

    private static Optional<X509Certificate> peerCertificate(SSLSession session) {
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate leaf ? Optional.of(leaf) : Optional.empty();
        }
        catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
    }

    /**
     * A proven node, or the reason a claim was refused; a node proven by the cluster secret also
     * brings the digest of the request body its proof vouches for.
     */
    record Verdict(Optional<ProvenNode> node, String refusal, Optional<String> bodyDigest) {
        static Verdict proven(ProvenNode node) {
            return new Verdict(Optional.of(node), null, Optional.empty());
        }

        static Verdict refused(String reason) {
            return new Verdict(Optional.empty(), reason, Optional.empty());
        }
    }
}
