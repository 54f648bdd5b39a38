package io.cachet.server;

import io.cachet.conf.ConfigException;
import io.cachet.tls.TestPki;
import io.cachet.tls.TlsSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which connections each internode mode encrypts, and what each node's listeners accept (DESIGN §3). */
class ConnectionPolicyTest {
    @TempDir
    Path directory;

    @Test
    void outgoingEncryptionPerModeAndPeerPlace() {
        TestPki pki = TestPki.create(directory, "Policy CA");
        assertThat(policy(pki, "none").encryptTo("dc2", "rack9")).isFalse();
        assertThat(policy(pki, "all").encryptTo("dc1", "rack1")).isTrue();
        assertThat(policy(pki, "transitional").encryptTo("dc1", "rack1")).isTrue();

        ConnectionPolicy dc = policy(pki, "dc");
        assertThat(dc.encryptTo("dc1", "rack2")).as("same dc, other rack: plaintext").isFalse();
        assertThat(dc.encryptTo("dc2", "rack1")).as("other dc: TLS").isTrue();
        assertThat(dc.encryptTo(null, null)).as("unknown place counts as elsewhere").isTrue();

        ConnectionPolicy rack = policy(pki, "rack");
        assertThat(rack.encryptTo("dc1", "rack1")).isFalse();
        assertThat(rack.encryptTo("dc1", "rack2")).isTrue();
        assertThat(rack.encryptTo("dc2", "rack1")).isTrue();
    }

    @Test
    void incomingPlaintextFromPeersFollowsTheModeTable() {
        TestPki pki = TestPki.create(directory, "Incoming CA");
        assertThat(policy(pki, "none").acceptsPlaintextFrom("dc2", "rack9")).isTrue();
        assertThat(policy(pki, "transitional").acceptsPlaintextFrom("dc2", "rack9")).isTrue();
        assertThat(policy(pki, "all").acceptsPlaintextFrom("dc1", "rack1")).isFalse();
        ConnectionPolicy dc = policy(pki, "dc");
        assertThat(dc.acceptsPlaintextFrom("dc1", "rack2")).as("dc mode, same dc").isTrue();
        assertThat(dc.acceptsPlaintextFrom("dc2", "rack1")).as("dc mode, other dc").isFalse();
        ConnectionPolicy rack = policy(pki, "rack");
        assertThat(rack.acceptsPlaintextFrom("dc1", "rack1")).isTrue();
        assertThat(rack.acceptsPlaintextFrom("dc1", "rack2")).isFalse();
    }

    @Test
    void listenersAcceptWhatClientsAndPeersMayUse() {
        TestPki pki = TestPki.create(directory, "Listener CA");
        ConnectionPolicy all = policy(pki, "all");
        assertThat(all.rpcInbound()).isEqualTo(ConnectionPolicy.Inbound.TLS_ONLY);
        assertThat(all.dataInbound()).isEqualTo(ConnectionPolicy.Inbound.TLS_ONLY);
        ConnectionPolicy transitional = policy(pki, "transitional");
        assertThat(transitional.rpcInbound()).isEqualTo(ConnectionPolicy.Inbound.BOTH);
        assertThat(transitional.dataInbound()).as("transitional keeps plaintext clients for a downgrade").isEqualTo(ConnectionPolicy.Inbound.BOTH);
        ConnectionPolicy dc = policy(pki, "dc");
        assertThat(dc.rpcInbound()).as("plaintext peers from the same dc share the gRPC port").isEqualTo(ConnectionPolicy.Inbound.BOTH);
        assertThat(dc.plaintextClients()).as("tls.enabled: clients must use TLS").isFalse();
        assertThat(dc.dataInbound()).as("the data port serves clients only").isEqualTo(ConnectionPolicy.Inbound.TLS_ONLY);
        ConnectionPolicy none = policy(pki, "none");
        assertThat(none.rpcInbound()).isEqualTo(ConnectionPolicy.Inbound.BOTH);
        assertThat(none.dataInbound()).isEqualTo(ConnectionPolicy.Inbound.TLS_ONLY);

        Map<String, String> materialOnly = new HashMap<>(pki.nodeSettings(pki.server(TestPki.LOOPBACK_HOSTS)));
        materialOnly.put("cachet.network.tls.enabled", "false");
        ConnectionPolicy material = ConnectionPolicy.of(TlsSettings.from(TestPki.config(materialOnly)), "dc1", "rack1");
        assertThat(material.rpcInbound()).as("TLS material present, TLS not required yet: listen for both").isEqualTo(ConnectionPolicy.Inbound.BOTH);
        assertThat(material.dataInbound()).isEqualTo(ConnectionPolicy.Inbound.BOTH);
        ConnectionPolicy plaintext = ConnectionPolicy.of(TlsSettings.from(TestPki.config(Map.of())), "dc1", "rack1");
        assertThat(plaintext.rpcInbound()).isEqualTo(ConnectionPolicy.Inbound.PLAINTEXT_ONLY);
        assertThat(plaintext.dataInbound()).isEqualTo(ConnectionPolicy.Inbound.PLAINTEXT_ONLY);
    }

    @Test
    void encryptionWithoutOwnCertificateIsRefusedAtStart() {
        assertThatThrownBy(() -> ConnectionPolicy.of(TlsSettings.from(TestPki.config(Map.of("cachet.network.tls.internode.encryption", "transitional"))), "dc1", "rack1"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("internode.encryption=transitional need this server's own certificate");
    }

    private static ConnectionPolicy policy(TestPki pki, String mode) {
        Map<String, String> settings = new HashMap<>(pki.nodeSettings(pki.server(TestPki.LOOPBACK_HOSTS)));
        settings.put("cachet.network.tls.internode.encryption", mode);
        return ConnectionPolicy.of(TlsSettings.from(TestPki.config(settings)), "dc1", "rack1");
    }
}
