package io.cachet.server;

import io.grpc.Context;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * A caller that proved it is a node: who it says it is, how it proved it (the subject of its node
 * certificate, or the cluster secret), and the address it called from. Services read it from the
 * call's {@link Context}; {@link InboundCalls} puts it there only after the proof checked out.
 */
public record ProvenNode(NodeIdentity identity, String principal, boolean byCertificate, String address) {
    static final String CLUSTER_SECRET = "cluster secret";
    private static final Context.Key<ProvenNode> KEY = Context.key("cachet-proven-node");

    public ProvenNode {
        requireNonNull(identity, "identity is null");
        requireNonNull(principal, "principal is null");
        requireNonNull(address, "address is null");
    }

    /** The proven node making the current call; empty for clients. */
    public static Optional<ProvenNode> current() {
        return Optional.ofNullable(KEY.get());
    }

    Context attachTo(Context context) {
        return context.withValue(KEY, this);
    }

    /**
     * Whether this caller may act for what {@code owner} registered: the same address, and the same
     * principal, or the same node changing how it proves itself (cluster secret to certificate, or back,
     * during a move between plaintext and TLS).
     */
    public boolean mayActFor(ProvenNode owner) {
        return address.equals(owner.address) && (principal.equals(owner.principal) || byCertificate != owner.byCertificate);
    }

    @Override
    public String toString() {
        return "%s from %s, proven by %s".formatted(identity, address, byCertificate ? "certificate " + principal : principal);
    }
}
