package io.cachet.server;

import io.cachet.conf.CachetKeys;
import io.cachet.conf.ConfigException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Proves a plaintext server-to-server call comes from a node without sending the cluster secret: the
 * caller sends {@code v2.<millis>.<nonce>.<body digest>.<HMAC-SHA256 of method, node identity, the node
 * called, millis, nonce and body digest>}. The callee accepts a proof once, within the allowed clock
 * skew, and only for itself and for the request it came with: a replayed or stale proof, one made for
 * another node, method or identity, or a request whose body is not the one proven, is refused. The
 * response is not protected: use TLS where the network is not trusted.
 */
final class ClusterSecret {
    static final int MIN_LENGTH = 16;
    private static final String VERSION = "v2";
    /** How a proof names the coordinator (one per cluster, and a secret is per cluster); a worker is named by its id. */
    static final String COORDINATOR = "coordinator";
    /** Proofs remembered at most; only valid proofs are remembered, so only nodes can fill it. */
    private static final int MAX_REMEMBERED = 1_000_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;
    private final long maxSkewMillis;
    private final LongSupplier clockMillis;
    private final Map<String, Long> seen = new ConcurrentHashMap<>();

    ClusterSecret(String secret, Duration maxSkew, LongSupplier clockMillis) {
        if (secret.length() < MIN_LENGTH) {
            throw new ConfigException("%s is %d characters long; a cluster secret needs at least %d. Fix: generate one, e.g. openssl rand -base64 32 > cluster.secret, and set %s=${file:/path/cluster.secret} on every node"
                    .formatted(CachetKeys.SECURITY_INTERNODE_SECRET.name(), secret.length(), MIN_LENGTH, CachetKeys.SECURITY_INTERNODE_SECRET.name()));
        }
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.maxSkewMillis = maxSkew.toMillis();
        this.clockMillis = clockMillis;
    }

    /** A fresh proof for one call of {@code method} by {@code caller} to the node named {@code target}, whose request is {@code body}. */
    String prove(String method, NodeIdentity caller, String target, byte[] body) {
        byte[] nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        String time = Long.toString(clockMillis.getAsLong());
        String nonceText = Base64.getUrlEncoder().withoutPadding().encodeToString(nonce);
        String digest = digest(body);
        return String.join(".", VERSION, time, nonceText, digest, mac(method, caller, target, time, nonceText, digest));
    }

    /**
     * Whether {@code proof} is a fresh, valid proof for a call of {@code method} by {@code caller} to this
     * node, named {@code self}: the body digest it vouches for (the request must match it), or why not.
     */
    Checked check(String proof, String method, NodeIdentity caller, String self) {
        if (proof == null) {
            return Checked.refused("the call carries no cluster-secret proof");
        }
        String[] parts = proof.split("\\.", -1);
        if (parts.length != 5 || !parts[0].equals(VERSION)) {
            return Checked.refused("the cluster-secret proof is malformed");
        }
        long time;
        try {
            time = Long.parseLong(parts[1]);
        }
        catch (NumberFormatException e) {
            return Checked.refused("the cluster-secret proof is malformed");
        }
        byte[] expected = mac(method, caller, self, parts[1], parts[2], parts[3]).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, parts[4].getBytes(StandardCharsets.US_ASCII))) {
            return Checked.refused("the cluster-secret proof does not verify (a different %s, a proof made for another node or call, or a forged one)"
                    .formatted(CachetKeys.SECURITY_INTERNODE_SECRET.name()));
        }
        long now = clockMillis.getAsLong();
        if (Math.abs(now - time) > maxSkewMillis) {
            return Checked.refused("the call's timestamp is %d ms from this node's clock, more than %s=%d ms allows (a replay, or clocks out of sync)"
                    .formatted(now - time, CachetKeys.SECURITY_INTERNODE_MAX_CLOCK_SKEW.name(), maxSkewMillis));
        }
        forgetExpired(now);
        if (seen.size() >= MAX_REMEMBERED) {
            return Checked.refused("too many server-to-server calls within the replay window");
        }
        if (seen.putIfAbsent(parts[2], time) != null) {
            return Checked.refused("the cluster-secret proof was used before (a replayed call)");
        }
        return new Checked(Optional.empty(), parts[3]);
    }

    /** The digest a proof carries for a request body. */
    static String digest(byte[] body) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256").digest(body));
        }
        catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** A checked proof: the reason it is refused, or the body digest it vouches for. */
    record Checked(Optional<String> refusal, String bodyDigest) {
        static Checked refused(String reason) {
            return new Checked(Optional.of(reason), null);
        }
    }

    private void forgetExpired(long now) {
        // Cheap enough: the map only holds proofs of the last 2 × skew, and pruning runs once the map has grown.
        if (seen.size() < 4096) {
            return;
        }
        for (Iterator<Long> times = seen.values().iterator(); times.hasNext(); ) {
            if (Math.abs(now - times.next()) > maxSkewMillis) {
                times.remove();
            }
        }
    }

    private String mac(String method, NodeIdentity caller, String target, String time, String nonce, String digest) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            String message = String.join("\n", VERSION, method, caller.id(), caller.dc(), caller.rack(), target, time, nonce, digest);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        }
        catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
