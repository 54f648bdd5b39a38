package io.cachet.cli;

import io.cachet.certs.CertificateFiles.KeyEncoding;
import io.cachet.client.CachetClient;
import io.cachet.conf.CachetConfig;
import io.cachet.conf.CachetKeys;
import io.cachet.etcd.EtcdClient;
import io.cachet.etcd.EtcdServer;
import io.cachet.etcd.EtcdSettings;
import io.cachet.testing.Eventually;
import io.cachet.tls.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line with membership in etcd: {@code cachet local --etcd}, {@code cachet conf} and {@code cachet tls check --etcd}. */
@Timeout(300)
class EtcdCommandsTest {
    @TempDir
    Path directory;

    @Test
    void localRunsItsWorkersInEtcdAndHandsClientsWhatTheyNeedToReadIt() throws Exception {
        TestPki pki = TestPki.create(directory, "Local Etcd CA");
        Path ca = pki.caPem();
        Path[] server = pki.pem(pki.server(TestPki.LOOPBACK_HOSTS), KeyEncoding.PKCS8, false);
        try (EtcdServer etcd = EtcdServer.startTls(directory.resolve("etcd"), new EtcdServer.Tls(server[0], server[1], Optional.empty()));
                CachetCli.Running local = CachetCli.start("local", "--workers", "1", "--dir", directory.resolve("local").toString(),
                        "--etcd", etcd.endpoint(), "--set", CachetKeys.ETCD_TLS_CA_PATH.name() + "=" + ca,
                        "--set", CachetKeys.ETCD_NAMESPACE.name() + "=/cachet/local-test",
                        "--client-conf", directory.resolve("client.properties").toString())) {
            Eventually.await("cachet local says it is running; printed: " + local.out() + local.err(), () -> local.out().contains("Running;"));
            assertThat(local.out()).contains("membership in etcd at " + etcd.endpoint() + " (namespace /cachet/local-test)");

            Properties written = new Properties();
            written.load(new StringReader(Files.readString(directory.resolve("client.properties"), StandardCharsets.UTF_8)));
            Map<String, String> client = new TreeMap<>();
            written.stringPropertyNames().forEach(key -> client.put(key, written.getProperty(key)));
            assertThat(client).containsEntry(CachetKeys.MEMBERSHIP_STORE.name(), "etcd")
                    .containsEntry(CachetKeys.ETCD_ENDPOINTS.name(), etcd.endpoint())
                    .containsEntry(CachetKeys.ETCD_TLS_CA_PATH.name(), ca.toString());
            CachetConfig config = CachetConfig.builder().engineProperties("client.properties", client).build();
            try (EtcdClient reader = EtcdClient.create(EtcdSettings.from(config))) {
                assertThat(reader.rangePrefix("/cachet/local-test/workers/", 100).getKvsCount()).as("workers registered in etcd").isEqualTo(1);
            }
            try (CachetClient cachet = CachetClient.connect(config)) {
                assertThat(cachet.workers()).hasSize(1);
                assertThat(cachet.list("/")).isEmpty();
            }
        }
    }

    @Test
    void confNamesTheMembershipStoreAndTlsCheckTestsEachEtcdEndpoint() throws Exception {
        TestPki pki = TestPki.create(directory, "Check Etcd CA");
        TestPki stranger = TestPki.create(directory, "Stranger CA");
        Path[] server = pki.pem(pki.server(TestPki.LOOPBACK_HOSTS), KeyEncoding.PKCS8, false);
        try (EtcdServer etcd = EtcdServer.startTls(directory.resolve("etcd"), new EtcdServer.Tls(server[0], server[1], Optional.empty()))) {
            String[] store = {"--set", CachetKeys.MEMBERSHIP_STORE.name() + "=etcd", "--set", CachetKeys.ETCD_ENDPOINTS.name() + "=" + etcd.endpoint()};

            CachetCli.Run conf = CachetCli.run(concat(new String[] {"conf", "--source"}, store));
            assertThat(conf.exitCode()).as(conf.err()).isZero();
            assertThat(conf.out()).startsWith("# membership: etcd at " + etcd.endpoint() + " (namespace /cachet/default)")
                    .contains("# metrics and health: coordinator http://localhost:19996, worker http://localhost:29996 (/metrics, /health/live, /health/ready)")
                    .contains(CachetKeys.ETCD_ENDPOINTS.name() + "=" + etcd.endpoint() + "    # ");

            CachetCli.Run ok = CachetCli.run(concat(new String[] {"tls", "check", "--etcd"}, store,
                    new String[] {"--set", CachetKeys.ETCD_TLS_CA_PATH.name() + "=" + pki.caPem()}));
            assertThat(ok.exitCode()).as(ok.out() + ok.err()).isZero();
            assertThat(ok.out()).contains("Checking TLS to 127.0.0.1:" + etcd.clientPort()).contains("Result: OK").contains("answers, version 3.");

            CachetCli.Run untrusted = CachetCli.run(concat(new String[] {"tls", "check", "--etcd"}, store,
                    new String[] {"--set", CachetKeys.ETCD_TLS_CA_PATH.name() + "=" + stranger.caPem()}));
            assertThat(untrusted.exitCode()).isEqualTo(1);
            assertThat(untrusted.out()).contains("Result: FAILED").contains("not trusted").contains(CachetKeys.ETCD_TLS_CA_PATH.name())
                    .contains("etcd endpoint " + etcd.endpoint());
        }
    }

    private static String[] concat(String[]... parts) {
        return Arrays.stream(parts).flatMap(Arrays::stream).toArray(String[]::new);
    }
}
