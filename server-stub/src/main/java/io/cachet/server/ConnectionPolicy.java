package io.cachet.server;

import io.cachet.conf.ConfigException;
import io.cachet.conf.InternodeEncryption;
import io.cachet.tls.TlsSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node's listeners accept, and when its own server-to-server connections use TLS, from
 * {@code cachet.network.tls.enabled} and {@code cachet.network.tls.internode.encryption} (DESIGN §3).
 * A listener that accepts both tells them apart by the first byte (a TLS record starts with 0x16, the
 * Cachet preface and HTTP/2 never do), on one port.
 */
public record ConnectionPolicy(Inbound inbound, InternodeEncryption internode, String dc, String rack) {
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
                throw new ConfigException(("cachet.network.tls.enabled=%s and cachet.network.tls.internode.encryption=%s need this server's own certificate. "
                        + "Fix: set cachet.network.tls.keystore.path (or certificate.path and key.path)").formatted(settings.enabled(), internode.name().toLowerCase()));
            }
            return new ConnectionPolicy(Inbound.PLAINTEXT_ONLY, internode, dc, rack);
        }
        Inbound inbound;
        if (!settings.enabled()) {
            // TLS material but TLS not yet required: listen for TLS while plaintext keeps working (migration step 1 and 2).
            inbound = Inbound.BOTH;
        }
        else {
            inbound = switch (internode) {
                case ALL -> Inbound.TLS_ONLY;
                case TRANSITIONAL, NONE -> Inbound.BOTH;
                case DC, RACK -> Inbound.BOTH;
            };
        }
        if (internode == InternodeEncryption.DC || internode == InternodeEncryption.RACK) {
            log.warn(("cachet.network.tls.internode.encryption={}: plaintext connections are accepted on this node's ports, and whether a plaintext "
                    + "peer is in the same {} rests on the dc and rack it claims, which nothing authenticates. Use mutual TLS "
                    + "(cachet.network.tls.client.auth=required) with internode.encryption=all where that matters"), internode.name().toLowerCase(),
                    internode == InternodeEncryption.DC ? "dc" : "dc and rack");
        }
        return new ConnectionPolicy(inbound, internode, dc, rack);
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
}
