package io.cachet.cluster;

import io.cachet.certs.CertificateFiles.KeyEncoding;
import io.cachet.client.CachetClient;
import io.cachet.conf.CachetKeys;
import io.cachet.etcd.EtcdServer;
import io.cachet.minicluster.MiniCluster;
import io.cachet.routing.WorkerAddress;
import io.cachet.testing.Eventually;
import io.cachet.tls.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A cluster whose membership lives in a real etcd, reached over TLS with client certificates
 * ({@code --client-cert-auth}): workers hold leased entries, clients read etcd directly and need no
 * coordinator for file operations.
 */
@Timeout(600)
class EtcdMembershipTest {
    private static final List<String> PATHS = IntStream.range(0, 30).mapToObj(i -> "/etcd/file-" + i).toList();
    private static final int SIZE = 4096;

    @RegisterExtension
    final ClusterFixture clusters = ClusterFixture.tls("Etcd CA");

    @Test
    void workersJoinAndLeaveThroughTheirLeasesAndANewWorkerTakesOnlyItsShare() throws Exception {
        EtcdServer etcd = startEtcd();
        MiniCluster cluster = clusters.start(builder -> builder.workers(3).separateProcesses(true).properties(etcdSettings(etcd)));
        CachetClient client = clusters.client(clientSettings(cluster));
        assertThat(client.workers()).hasSize(3);
        for (String path : PATHS) {
            ClusterFiles.write(client, path, SIZE);
        }
        for (String path : PATHS) {
            assertThat(ClusterFiles.read(client, path)).isEqualTo(ClusterFiles.content(path, SIZE));
        }

        MiniCluster.Node victim = cluster.workers().get(0);
        String victimId = client.workers().stream().filter(worker -> worker.rpcPort() == victim.rpcPort()).findFirst().orElseThrow().id();
        List<String> victimPaths = PATHS.stream().filter(path -> owner(client, path).equals(victimId)).toList();
        assertThat(victimPaths).isNotEmpty();

        Set<String> survivors = survivors(ids(client), victimId);
        victim.kill();
        // Its lease runs out with nobody to renew it: etcd deletes the entry, and the client hears of it through its watch
        // (its scheduled refresh is set to ten minutes, so nothing else would tell it).
        Eventually.await("the killed worker gone from etcd, the others still listed", () -> ids(client).equals(survivors));
        for (String path : PATHS) {
            assertThat(owner(client, path)).isNotEqualTo(victimId);
            assertThat(ClusterFiles.read(client, path)).isEqualTo(ClusterFiles.content(path, SIZE));
        }

        Map<String, String> ownerBefore = new HashMap<>();
        PATHS.forEach(path -> ownerBefore.put(path, owner(client, path)));
        Set<String> before = ids(client);
        cluster.addWorker();
        Eventually.await("the new worker listed by etcd", () -> ids(client).size() == 3 && ids(client).containsAll(before));
        String newcomer = client.workers().stream().map(WorkerAddress::id).filter(id -> !ownerBefore.containsValue(id)).findFirst().orElseThrow();
        int moved = 0;
        for (String path : PATHS) {
            String owner = owner(client, path);
            if (!owner.equals(ownerBefore.get(path))) {
                assertThat(owner).as(path + " may only move to the new worker").isEqualTo(newcomer);
                moved++;
            }
            assertThat(ClusterFiles.read(client, path)).isEqualTo(ClusterFiles.content(path, SIZE));
        }
        assertThat(moved).isBetween(1, PATHS.size() - 1);
    }

    @Test
    void clientsReadingEtcdKeepWorkingWhileTheCoordinatorIsDownAndNewOnesStart() throws Exception {
        EtcdServer etcd = startEtcd();
        MiniCluster cluster = clusters.start(builder -> builder.workers(2).separateProcesses(true).properties(etcdSettings(etcd)));
        CachetClient client = clusters.client(clientSettings(cluster));
        ClusterFiles.write(client, "/outage/before", SIZE);

        cluster.coordinator().kill();
        assertThat(cluster.coordinator().isAlive()).isFalse();

        assertThat(ClusterFiles.read(client, "/outage/before")).isEqualTo(ClusterFiles.content("/outage/before", SIZE));
        for (int i = 0; i < 10; i++) {
            String path = "/outage/during-" + i;
            ClusterFiles.write(client, path, SIZE);
            assertThat(ClusterFiles.read(client, path)).isEqualTo(ClusterFiles.content(path, SIZE));
        }
        assertThat(client.workers()).hasSize(2);

        try (CachetClient startedDuringTheOutage = CachetClient.connect(TestPki.config(clientSettings(cluster)))) {
            assertThat(startedDuringTheOutage.workers()).hasSize(2);
            assertThat(ClusterFiles.read(startedDuringTheOutage, "/outage/during-3")).isEqualTo(ClusterFiles.content("/outage/during-3", SIZE));
            ClusterFiles.write(startedDuringTheOutage, "/outage/new-client", SIZE);
            assertThat(ClusterFiles.read(client, "/outage/new-client")).isEqualTo(ClusterFiles.content("/outage/new-client", SIZE));
        }
    }

    /** An etcd for this test, with a server certificate from the cluster's CA, stopped after the cluster. */
    private EtcdServer startEtcd() throws Exception {
        TestPki pki = clusters.pki();
        Path[] server = pki.pem(pki.server(TestPki.LOOPBACK_HOSTS), KeyEncoding.PKCS8, false);
        return clusters.closeAfter(EtcdServer.startTls(clusters.directory().resolve("etcd"), new EtcdServer.Tls(server[0], server[1], Optional.of(pki.caPem()))));
    }

    /** Every node, over the cluster's TLS: membership in etcd, reached with a node certificate. */
    private Map<String, String> etcdSettings(EtcdServer etcd) {
        TestPki pki = clusters.pki();
        Path[] pem = pki.pem(pki.server(TestPki.LOOPBACK_HOSTS), KeyEncoding.PKCS8, false);
        Map<String, String> settings = new HashMap<>();
        settings.put(CachetKeys.MEMBERSHIP_STORE.name(), "etcd");
        settings.put(CachetKeys.ETCD_ENDPOINTS.name(), etcd.endpoint());
        settings.put(CachetKeys.ETCD_TLS_CA_PATH.name(), pki.caPem().toString());
        settings.put(CachetKeys.ETCD_TLS_CERTIFICATE_PATH.name(), pem[0].toString());
        settings.put(CachetKeys.ETCD_TLS_KEY_PATH.name(), pem[1].toString());
        // Generous for a starved machine (the suite runs this beside two busy processes), and still far below the 60 s waits.
        settings.put(CachetKeys.ETCD_LEASE_TTL.name(), "10s");
        return settings;
    }

    /** A client: the cluster's client settings (no node certificate), and an etcd client certificate of its own. */
    private Map<String, String> clientSettings(MiniCluster cluster) {
        Map<String, String> settings = new HashMap<>(cluster.clientProperties());
        assertThat(settings).doesNotContainKey(CachetKeys.ETCD_TLS_CERTIFICATE_PATH.name());
        TestPki pki = clusters.pki();
        Path[] pem = pki.pem(pki.client("etcd-reader"), KeyEncoding.PKCS8, false);
        settings.put(CachetKeys.ETCD_TLS_CERTIFICATE_PATH.name(), pem[0].toString());
        settings.put(CachetKeys.ETCD_TLS_KEY_PATH.name(), pem[1].toString());
        // Changes must reach clients through the etcd watch: the scheduled full read comes too late to pass these tests.
        settings.put(CachetKeys.CLIENT_MEMBERSHIP_REFRESH.name(), "10m");
        return settings;
    }

    private static Set<String> ids(CachetClient client) {
        return client.workers().stream().map(WorkerAddress::id).collect(Collectors.toSet());
    }

    private static Set<String> survivors(Set<String> current, String victim) {
        Set<String> survivors = new HashSet<>(current);
        survivors.remove(victim);
        return survivors;
    }

    private static String owner(CachetClient client, String path) {
        try {
            return client.owner(path).id();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
