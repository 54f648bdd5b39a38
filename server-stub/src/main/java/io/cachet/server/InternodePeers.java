package io.cachet.server;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server-to-server calls a node received, per calling peer: how many came over TLS, how many
 * over plaintext, how many were refused, and the certificate subject a TLS peer authenticated with.
 * Operators and tests read from here which internode connections are really encrypted.
 */
public final class InternodePeers {
    /** One peer as this node saw it. */
    public record Peer(String id, String dc, String rack, long tlsCalls, long plaintextCalls, long refusedCalls, Optional<String> certificateSubject) {}

    private static final class Counters {
        final String dc;
        final String rack;
        final LongAdder tls = new LongAdder();
        final LongAdder plaintext = new LongAdder();
        final LongAdder refused = new LongAdder();
        final AtomicReference<String> subject = new AtomicReference<>();

        Counters(NodeIdentity peer) {
            this.dc = peer.dc();
            this.rack = peer.rack();
        }
    }

    /** Peers recorded one by one at most; calls claiming more ids are counted together, so made-up ids cannot grow this without bound. */
    private static final int MAX_PEERS = 10_000;
    private static final NodeIdentity OTHERS = new NodeIdentity("(other peers)", "", "");

    private final ConcurrentMap<String, Counters> peers = new ConcurrentHashMap<>();

    void accepted(NodeIdentity peer, boolean tls, Optional<String> certificateSubject) {
        Counters counters = counters(peer);
        (tls ? counters.tls : counters.plaintext).increment();
        certificateSubject.ifPresent(counters.subject::set);
    }

    /**
     * A call that claimed to come from {@code claimed} and was refused, recorded as coming from the
     * address that sent it: a refused claim is not charged to the node it names, which may be a victim.
     */
    void refused(NodeIdentity claimed, String address) {
        counters(new NodeIdentity(unprovenId(claimed.id(), address), claimed.dc(), claimed.rack())).refused.increment();
    }

    /** A proven node refused for what it asked (another node's worker id), recorded under its own principal and address. */
    public void refused(ProvenNode node) {
        NodeIdentity claimed = node.identity();
        counters(new NodeIdentity("%s (as %s, from %s)".formatted(claimed.id(), node.principal(), node.address()), claimed.dc(), claimed.rack())).refused.increment();
    }

    /** How the records name calls refused from {@code address} that claimed to be {@code claimedId}. */
    public static String unprovenId(String claimedId, String address) {
        return "%s (unproven, from %s)".formatted(claimedId, address);
    }

    public Optional<Peer> peer(String id) {
        return Optional.ofNullable(peers.get(id)).map(counters -> snapshot(id, counters));
    }

    public List<Peer> all() {
        return peers.entrySet().stream()
                .map(entry -> snapshot(entry.getKey(), entry.getValue()))
                .sorted(Comparator.comparing(Peer::id))
                .toList();
    }

    private Counters counters(NodeIdentity peer) {
        NodeIdentity recorded = peers.size() >= MAX_PEERS && !peers.containsKey(peer.id()) ? OTHERS : peer;
        return peers.computeIfAbsent(recorded.id(), any -> new Counters(recorded));
    }

    private static Peer snapshot(String id, Counters counters) {
        return new Peer(id, counters.dc, counters.rack, counters.tls.sum(), counters.plaintext.sum(), counters.refused.sum(),
                Optional.ofNullable(counters.subject.get()));
    }
}
