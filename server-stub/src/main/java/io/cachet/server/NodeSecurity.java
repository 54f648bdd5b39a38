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

    private NodeSecurity(NodePrincipal principal, Optional<ClusterSecret> secret) {
        this.principal = requireNonNull(principal, "principal is null");
        this.secret = requireNonNull(secret, "secret is null");
    }

    public static NodeSecurity of(CachetConfig config, ConnectionPolicy policy, Optional<TlsContexts> tls) {
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
        return new NodeSecurity(principal, secret);
    }

    /** Puts {@code self} and, with a cluster secret, a fresh proof on every call of a channel to a peer. */
    public ClientInterceptor credentials(NodeIdentity self) {
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        self.writeTo(headers);
                        secret.ifPresent(value -> headers.put(PROOF, value.prove(method.getFullMethodName(), self)));
                        super.start(listener, headers);
                    }
                };
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
        Optional<String> problem = secret.get().check(headers.get(PROOF), method, claimed);
        return problem.map(reason -> Verdict.refused(reason + ". Fix: set the same " + CachetKeys.SECURITY_INTERNODE_SECRET.name() + " on every node"))
                .orElseGet(() -> Verdict.proven(new ProvenNode(claimed, ProvenNode.CLUSTER_SECRET, false, address)));
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

    /** A proven node, or the reason a claim was refused. */
    record Verdict(Optional<ProvenNode> node, String refusal) {
        static Verdict proven(ProvenNode node) {
            return new Verdict(Optional.of(node), null);
        }

        static Verdict refused(String reason) {
            return new Verdict(Optional.empty(), reason);
        }
    }
}
