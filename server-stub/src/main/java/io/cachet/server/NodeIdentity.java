package io.cachet.server;

import io.grpc.Metadata;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Who a server is when it calls another server: sent as {@code cachet-node-*} headers on every
 * server-to-server call, so the callee can apply its internode mode to the caller's place. They are
 * claims until {@link NodeSecurity} has checked the caller's node certificate or cluster-secret proof.
 */
public record NodeIdentity(String id, String dc, String rack) {
    private static final Metadata.Key<String> ID = Metadata.Key.of("cachet-node-id", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> DC = Metadata.Key.of("cachet-node-dc", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> RACK = Metadata.Key.of("cachet-node-rack", Metadata.ASCII_STRING_MARSHALLER);

    public NodeIdentity {
        requireNonNull(id, "id is null");
        requireNonNull(dc, "dc is null");
        requireNonNull(rack, "rack is null");
    }

    /** Puts this identity in a call's headers; {@link NodeSecurity#credentials} adds the proof. */
    void writeTo(Metadata headers) {
        headers.put(ID, id);
        headers.put(DC, dc);
        headers.put(RACK, rack);
    }

    /** The caller's identity, when the call comes from a server. */
    static Optional<NodeIdentity> from(Metadata headers) {
        String id = headers.get(ID);
        String dc = headers.get(DC);
        String rack = headers.get(RACK);
        if (id == null || dc == null || rack == null) {
            return Optional.empty();
        }
        return Optional.of(new NodeIdentity(id, dc, rack));
    }

    @Override
    public String toString() {
        return "%s (dc %s, rack %s)".formatted(id, dc, rack);
    }
}
