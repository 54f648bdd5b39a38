package io.cachet.server;

import io.cachet.conf.CachetKeys;
import io.cachet.conf.ClientAuth;
import io.cachet.conf.ConfigException;
import io.cachet.conf.InternodeEncryption;
import io.cachet.tls.TlsSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node accepts from clients and from peer servers, and when its own server-to-server
 * connections use TLS, from {@code cachet.network.tls.enabled} and
 * {@code cachet.network.tls.internode.encryption} (DESIGN §3).
 *
 * <p>Clients and peers share the gRPC port, so that listener accepts whatever either may use and each
 * call is then checked ({@link InboundCalls}): a plaintext call from a peer against the mode and the
 * peer's place, a plaintext call from a client against {@code tls.enabled}. The data port serves
 * clients only. A listener that accepts both tells them apart by the first byte (a TLS record starts
 * with 0x16, the Cachet preface and HTTP/2 never do), on one port.
 */
public record ConnectionPolicy(boolean tlsMaterial, boolean plaintextClients, InternodeEncryption internode, String dc, String rack) {
    private static final Logger log = LoggerFactory.getLogger(ConnectionPolicy.class);

    public enum Inbound {
        TLS_ONLY,
        PLAINTEXT_ONLY,
        /** TLS and plaintext on the same port: during a migration, or for plaintext peers inside a dc or rack. */
        BOTH;

        public boolean acceptsTls() {
            return this != PLAINTEXT_ONLY;
        }
    }

    public static ConnectionPolicy of(TlsSettings settings, String dc, String rack) {
        InternodeEncryption internode = settings.internode();
        if (!settings.canServeTls()) {
            if (settings.enabled() || internode != InternodeEncryption.NONE) {
                throw new ConfigException(("%s=%s and %s=%s need this server's own certificate. Fix: set %s (or %s and %s)").formatted(
                        CachetKeys.TLS_ENABLED.name(), settings.enabled(), CachetKeys.TLS_INTERNODE_ENCRYPTION.name(), internode.name().toLowerCase(),
                        CachetKeys.TLS_KEYSTORE_PATH.name(), CachetKeys.TLS_CERTIFICATE_PATH.name(), CachetKeys.TLS_KEY_PATH.name()));
            }
            return new ConnectionPolicy(false, true, internode, dc, rack);
        }
        // TLS material without tls.enabled: listen for TLS while plaintext keeps working (migration steps 1 and 2);
        // transitional keeps taking plaintext clients too, so a downgrade can move clients back first.
        boolean plaintextClients = !settings.enabled() || internode == InternodeEncryption.TRANSITIONAL;
        if (internode == InternodeEncryption.DC || internode == InternodeEncryption.RACK) {
            log.warn(("{}={}: plaintext calls from peers are accepted when they say they are in the same {}, "
                    + "and nothing authenticates what a plaintext peer says{}. Use internode.encryption=all where that matters"),
                    CachetKeys.TLS_INTERNODE_ENCRYPTION.name(), internode.name().toLowerCase(), internode == InternodeEncryption.DC ? "dc" : "dc and rack",
                    settings.clientAuth() == ClientAuth.REQUIRED ? " (client.auth=required only checks peers that use TLS)" : "");
        }
        return new ConnectionPolicy(true, plaintextClients, internode, dc, rack);
    }

    /** Whether this node's connection to a peer in {@code peerDc}/{@code peerRack} uses TLS. Unknown places count as elsewhere. */
    public boolean encryptTo(String peerDc, String peerRack) {
        return switch (internode) {
            case NONE -> false;
            case ALL, TRANSITIONAL -> true;
            case DC -> peerDc == null || !peerDc.equals(dc);
            case RACK -> peerDc == null || peerRack == null || !peerDc.equals(dc) || !peerRack.equals(rack);
        };
    }

    /** Whether a plaintext call from a peer in {@code peerDc}/{@code peerRack} is accepted: the incoming column of the mode table. */
    public boolean acceptsPlaintextFrom(String peerDc, String peerRack) {
        return internode == InternodeEncryption.TRANSITIONAL || !encryptTo(peerDc, peerRack);
    }

    /** What the gRPC listener, shared by clients and peers, accepts. */
    public Inbound rpcInbound() {
        if (!tlsMaterial) {
            return Inbound.PLAINTEXT_ONLY;
        }
        // Plaintext peers are possible in every mode but all.
        return plaintextClients || internode != InternodeEncryption.ALL ? Inbound.BOTH : Inbound.TLS_ONLY;
    }

    /** What the data listener, which serves clients only, accepts. */
    public Inbound dataInbound() {
        if (!tlsMaterial) {
            return Inbound.PLAINTEXT_ONLY;
        }
        return plaintextClients ? Inbound.BOTH : Inbound.TLS_ONLY;
    }
}
