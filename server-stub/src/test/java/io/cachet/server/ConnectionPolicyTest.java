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
    void listenersAcceptWhatTheModeAllows() {
        TestPki pki = TestPki.create(directory, "Listener CA");
        assertThat(policy(pki, "all").inbound()).isEqualTo(ConnectionPolicy.Inbound.TLS_ONLY);
        assertThat(policy(pki, "transitional").inbound()).isEqualTo(ConnectionPolicy.Inbound.BOTH);
        assertThat(policy(pki, "dc").inbound()).isEqualTo(ConnectionPolicy.Inbound.BOTH);

        Map<String, String> materialOnly = new HashMap<>(pki.nodeSettings(pki.server(TestPki.LOOPBACK_HOSTS)));
        materialOnly.put("cachet.network.tls.enabled", "false");
        assertThat(ConnectionPolicy.of(TlsSettings.from(TestPki.config(materialOnly)), "dc1", "rack1").inbound())
                .as("TLS material present, TLS not required yet: listen for both").isEqualTo(ConnectionPolicy.Inbound.BOTH);
        assertThat(ConnectionPolicy.of(TlsSettings.from(TestPki.config(Map.of())), "dc1", "rack1").inbound()).isEqualTo(ConnectionPolicy.Inbound.PLAINTEXT_ONLY);
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
