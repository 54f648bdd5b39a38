package io.cachet.etcd;

import com.google.protobuf.ByteString;
import io.cachet.conf.CachetKeys;
import io.cachet.conf.ConfigException;
import io.cachet.tls.TestPki;
import io.cachet.tls.TlsKeyNames;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The etcd keys are checked where they are read, and each refusal names the key to fix. */
class EtcdSettingsTest {
    @Test
    void httpsEndpointsTurnTlsOnWithTheEtcdKeysInItsMessages() {
        EtcdSettings settings = EtcdSettings.from(TestPki.config(etcd("https://etcd-0:2379, https://ETCD-1:2379")));

        assertThat(settings.endpoints()).containsExactly(URI.create("https://etcd-0:2379"), URI.create("https://etcd-1:2379"));
        assertThat(settings.tls().enabled()).isTrue();
        assertThat(settings.tls().hostnameVerification()).isTrue();
        assertThat(settings.tls().keys()).isEqualTo(TlsKeyNames.ETCD);
        assertThat(settings.workersPrefix()).isEqualTo("/cachet/default/workers/");
    }

    @Test
    void missingMixedOrMalformedEndpointsAreRefusedNamingTheKey() {
        Map<String, String> none = new HashMap<>();
        none.put(CachetKeys.MEMBERSHIP_STORE.name(), "etcd");
        assertThatThrownBy(() -> EtcdSettings.from(TestPki.config(none))).isInstanceOf(ConfigException.class).hasMessageContaining(CachetKeys.ETCD_ENDPOINTS.name());
        assertThatThrownBy(() -> EtcdSettings.from(TestPki.config(etcd("https://a:2379,http://b:2379")))).hasMessageContaining("mixes https:// and http://");
        for (String bad : List.of("etcd-0:2379", "https://etcd-0", "ftp://etcd-0:2379")) {
            assertThatThrownBy(() -> EtcdSettings.from(TestPki.config(etcd(bad)))).as(bad).hasMessageContaining("Invalid etcd endpoint").hasMessageContaining(bad);
        }
    }

    @Test
    void tlsFilesWithPlaintextEndpointsOrHalfAClientCertificateAreRefused() {
        Map<String, String> plaintextWithCa = etcd("http://etcd-0:2379");
        plaintextWithCa.put(CachetKeys.ETCD_TLS_CA_PATH.name(), "/etc/etcd/ca.pem");
        assertThatThrownBy(() -> EtcdSettings.from(TestPki.config(plaintextWithCa))).hasMessageContaining("write the endpoints as https://");

        Map<String, String> certificateOnly = etcd("https://etcd-0:2379");
        certificateOnly.put(CachetKeys.ETCD_TLS_CERTIFICATE_PATH.name(), "/etc/cachet/etcd-client.pem");
        assertThatThrownBy(() -> EtcdSettings.from(TestPki.config(certificateOnly))).hasMessageContaining(CachetKeys.ETCD_TLS_KEY_PATH.name());

        Map<String, String> badNamespace = etcd("https://etcd-0:2379");
        badNamespace.put(CachetKeys.ETCD_NAMESPACE.name(), "cachet/");
        assertThatThrownBy(() -> EtcdSettings.from(TestPki.config(badNamespace))).hasMessageContaining(CachetKeys.ETCD_NAMESPACE.name());
    }

    @Test
    void aPrefixRangeEndsAtThePrefixWithItsLastByteRaised() {
        assertThat(EtcdClient.prefixEnd(EtcdClient.bytes("/cachet/workers/")).toStringUtf8()).isEqualTo("/cachet/workers0");
        assertThat(EtcdClient.prefixEnd(ByteString.copyFrom(new byte[] {'a', (byte) 0xff}))).isEqualTo(ByteString.copyFrom(new byte[] {'b'}));
    }

    private static Map<String, String> etcd(String endpoints) {
        Map<String, String> settings = new HashMap<>();
        settings.put(CachetKeys.MEMBERSHIP_STORE.name(), "etcd");
        settings.put(CachetKeys.ETCD_ENDPOINTS.name(), endpoints);
        return settings;
    }
}
