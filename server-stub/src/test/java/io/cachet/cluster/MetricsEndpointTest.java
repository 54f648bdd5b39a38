package io.cachet.cluster;

import io.cachet.certs.CertificateAuthority.Usage;
import io.cachet.certs.CertificateFiles.StoreFormat;
import io.cachet.certs.IssuedCertificate;
import io.cachet.certs.KeyAlgorithm;
import io.cachet.client.CachetClient;
import io.cachet.conf.CachetKeys;
import io.cachet.minicluster.MiniCluster;
import io.cachet.testing.Eventually;
import io.cachet.tls.CertificateDetails;
import io.cachet.tls.TestPki;
import io.cachet.worker.WorkerServer;
import io.prometheus.metrics.expositionformats.PrometheusProtobufWriter;
import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_35_0.Metrics;
import org.assertj.core.api.Assertions;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /metrics} and {@code /health} as Prometheus and Kubernetes see them: scraped over HTTPS with the
 * node's certificate and parsed with the Prometheus client's own protobuf model, not by matching text.
 */
@Timeout(300)
class MetricsEndpointTest {
    private static final String DATA_LISTENER = "Data listener";

    @RegisterExtension
    final ClusterFixture clusters = ClusterFixture.plaintextWithCa("Metrics CA");

    @Test
    void eachKindOfFailedHandshakeMovesItsCounterByOne() throws Exception {
        TestPki pki = clusters.pki();
        IssuedCertificate revoked = pki.client("revoked-client");
        Map<String, String> node = clusters.tlsNodeSettings();
        node.put(CachetKeys.TLS_CLIENT_AUTH.name(), "required");
        node.put(CachetKeys.TLS_SERVER_PROTOCOLS.name(), "TLSv1.3");
        node.put(CachetKeys.TLS_CRL_PATH.name(), pki.crl(List.of(revoked.leaf())).toString());
        MiniCluster cluster = clusters.start(builder -> builder.workers(1).properties(node));
        Scraper scraper = new Scraper(pki, "https://localhost:" + cluster.workerMetricsPort(0));
        int dataPort = cluster.workerServer(0).dataPort();
        TestPki rogue = TestPki.create(clusters.directory(), "Rogue CA");
        IssuedCertificate expired = pki.ca().issue("expired-client", List.of(), Usage.CLIENT, KeyAlgorithm.EC,
                Instant.now().minus(Duration.ofDays(2)), Instant.now().minus(Duration.ofDays(1)));

        assertOneMore(scraper, "untrusted", () -> handshake(pki, Optional.of(rogue.client("rogue")), "TLSv1.3", dataPort));
        assertOneMore(scraper, "expired", () -> handshake(pki, Optional.of(expired), "TLSv1.3", dataPort));
        assertOneMore(scraper, "revoked", () -> handshake(pki, Optional.of(revoked), "TLSv1.3", dataPort));
        assertOneMore(scraper, "no_certificate", () -> handshake(pki, Optional.empty(), "TLSv1.3", dataPort));
        assertOneMore(scraper, "no_common_protocol", () -> handshake(pki, Optional.of(pki.client("old-client")), "TLSv1.2", dataPort));
        assertOneMore(scraper, "plaintext", () -> {
            try (Socket socket = new Socket("127.0.0.1", dataPort)) {
                socket.setSoTimeout((int) Eventually.TIMEOUT.toMillis());
                OutputStream out = socket.getOutputStream();
                out.write(new byte[] {'C', 'A', 'C', 'H', 'E', 'T', 0, 1, 0, 0, 0, 1, 2, 3});
                out.flush();
                drain(socket.getInputStream());
            }
        });

        double succeeded = scraper.value("cachet_tls_handshakes", Map.of("listener", DATA_LISTENER, "result", "ok"));
        handshake(pki, Optional.of(pki.client("good-client")), "TLSv1.3", dataPort);
        Eventually.await("a good handshake counted as ok", () -> scraper.value("cachet_tls_handshakes", Map.of("listener", DATA_LISTENER, "result", "ok")) == succeeded + 1);
    }

    @Test
    void aNodeThatDialsAPeerByANameItsCertificateLacksCountsAHostnameFailure() throws Exception {
        TestPki pki = clusters.pki();
        Map<String, String> node = new HashMap<>(pki.nodeSettings(pki.server(List.of("localhost"))));
        MiniCluster cluster = clusters.start(builder -> builder.workers(1).properties(node));
        // A worker that reaches the coordinator as 127.0.0.1, which the coordinator's certificate does not name.
        Map<String, String> stray = new HashMap<>(cluster.nodeSettings());
        stray.put(CachetKeys.COORDINATOR_ADDRESS.name(), "127.0.0.1:" + cluster.coordinatorPort());
        stray.put(CachetKeys.WORKER_BIND_HOST.name(), "127.0.0.1");
        stray.put(CachetKeys.WORKER_RPC_PORT.name(), String.valueOf(MiniCluster.freePort()));
        stray.put(CachetKeys.WORKER_DATA_PORT.name(), String.valueOf(MiniCluster.freePort()));
        int metricsPort = MiniCluster.freePort();
        stray.put(CachetKeys.WORKER_METRICS_PORT.name(), String.valueOf(metricsPort));
        stray.put(CachetKeys.WORKER_CACHE_DIR.name(), clusters.directory().resolve("stray-cache").toString());
        stray.put(CachetKeys.WORKER_UFS_ROOT.name(), cluster.ufsRoot().toUri().toString());
        try (WorkerServer worker = WorkerServer.start(TestPki.config(stray))) {
            Scraper scraper = new Scraper(pki, "https://localhost:" + metricsPort);
            Eventually.await("the refused coordinator certificate counted as a host name failure",
                    () -> scraper.value("cachet_tls_outbound_failures", Map.of("cause", "hostname")) >= 1);
            assertThat(scraper.value("cachet_tls_outbound_failures", Map.of("cause", "untrusted"))).as("no other cause").isZero();
            assertThat(worker.isRegistered()).isFalse();
        }
    }

    @Test
    void clientsThatSendAByteAndStallDoNotStopTheHealthEndpoint() throws Exception {
        TestPki pki = clusters.pki();
        MiniCluster cluster = clusters.start(builder -> builder.workers(1).properties(clusters.tlsNodeSettings()));
        int port = cluster.workerMetricsPort(0);
        List<Socket> stalled = new ArrayList<>();
        try {
            // More than the endpoint's threads, each holding one with the first byte of a TLS record.
            for (int i = 0; i < 6; i++) {
                Socket socket = new Socket("127.0.0.1", port);
                socket.getOutputStream().write(0x16);
                socket.getOutputStream().flush();
                stalled.add(socket);
            }
            Scraper scraper = new Scraper(pki, "https://localhost:" + port);
            Eventually.await("the endpoint answers beside stalled clients", () -> !scraper.scrape().isEmpty());
        }
        finally {
            for (Socket socket : stalled) {
                socket.close();
            }
        }
    }

    @Test
    void scrapersMustPresentACertificateWhenTheEndpointAsksForOne() throws Exception {
        TestPki pki = clusters.pki();
        Map<String, String> node = clusters.tlsNodeSettings();
        node.put(CachetKeys.METRICS_CLIENT_AUTH.name(), "required");
        MiniCluster cluster = clusters.start(builder -> builder.workers(1).properties(node));
        String url = "https://localhost:" + cluster.workerMetricsPort(0);
        Assertions.assertThatThrownBy(() -> new Scraper(pki, url, Optional.empty()).scrape())
                .as("a scraper without a certificate").isInstanceOf(IOException.class);
        assertThat(new Scraper(pki, url, Optional.of(pki.client("prometheus"))).scrape()).isNotEmpty();
    }

    @Test
    void trafficShowsInCacheByteLatencyAndMembershipMetricsServedAsPrometheusText() throws Exception {
        TestPki pki = clusters.pki();
        MiniCluster cluster = clusters.start(builder -> builder.workers(1).properties(clusters.tlsNodeSettings()));
        CachetClient client = clusters.client(cluster);
        ClusterFiles.write(client, "/metrics/file", 300_000);
        assertThat(ClusterFiles.read(client, "/metrics/file")).isEqualTo(ClusterFiles.content("/metrics/file", 300_000));
        ClusterFiles.awaitCachedPages(client, 1);
        assertThat(ClusterFiles.read(client, "/metrics/file")).hasSize(300_000);

        Scraper worker = new Scraper(pki, "https://localhost:" + cluster.workerMetricsPort(0));
        Eventually.await("the worker's membership in its metrics", () -> worker.value("cachet_membership_workers", Map.of()) == 1);
        assertThat(worker.value("cachet_worker_written_bytes", Map.of())).isEqualTo(300_000);
        assertThat(worker.value("cachet_worker_read_bytes", Map.of())).isEqualTo(600_000);
        assertThat(worker.value("cachet_worker_cache_misses", Map.of())).as("the first read filled the cache").isPositive();
        assertThat(worker.value("cachet_worker_cache_hits", Map.of())).as("the second read came from it").isPositive();
        assertThat(worker.value("cachet_worker_cache_bytes", Map.of())).isEqualTo(300_000);
        assertThat(worker.histogramCount("cachet_worker_read_seconds")).isEqualTo(2);
        assertThat(worker.histogramCount("cachet_worker_write_seconds")).isEqualTo(1);
        assertThat(new Scraper(pki, "https://localhost:" + cluster.coordinatorMetricsPort()).value("cachet_membership_workers", Map.of())).isEqualTo(1);

        // What Prometheus gets when it asks for nothing in particular: the text format.
        HttpResponse<String> text = worker.text();
        assertThat(text.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
        assertThat(text.body()).contains("# TYPE cachet_tls_handshakes_total counter").contains("cachet_worker_read_seconds_bucket{");
    }

    @Test
    void certificateExpiryGaugesMatchNotAfterAndFollowAReload() throws Exception {
        TestPki pki = clusters.pki();
        IssuedCertificate first = pki.ca().issue("localhost", TestPki.LOOPBACK_HOSTS, Usage.NODE, KeyAlgorithm.EC, Instant.now().minusSeconds(60),
                Instant.now().plus(Duration.ofDays(20)));
        Path keyStore = clusters.directory().resolve("node.p12");
        Files.copy(pki.keyStore(StoreFormat.PKCS12, Map.of("node", first)), keyStore);
        Map<String, String> node = new HashMap<>(pki.trustSettings());
        node.put(CachetKeys.TLS_KEYSTORE_PATH.name(), keyStore.toString());
        node.put(CachetKeys.TLS_KEYSTORE_PASSWORD.name(), TestPki.PASSWORD);
        node.put(CachetKeys.TLS_RELOAD_INTERVAL.name(), "200ms");
        MiniCluster cluster = clusters.start(builder -> builder.workers(1).properties(node));
        for (String url : List.of("https://localhost:" + cluster.workerMetricsPort(0), "https://localhost:" + cluster.coordinatorMetricsPort())) {
            Scraper scraper = new Scraper(pki, url);
            assertExpiry(scraper, "key", first.leaf());
            assertExpiry(scraper, "trust", pki.ca().certificate());
        }

        IssuedCertificate renewed = pki.ca().issue("localhost", TestPki.LOOPBACK_HOSTS, Usage.NODE, KeyAlgorithm.EC, Instant.now().minusSeconds(60),
                Instant.now().plus(Duration.ofDays(90)));
        Files.copy(pki.keyStore(StoreFormat.PKCS12, Map.of("node", renewed)), keyStore, StandardCopyOption.REPLACE_EXISTING);
        Scraper worker = new Scraper(pki, "https://localhost:" + cluster.workerMetricsPort(0));
        Eventually.await("the reload counted", () -> worker.value("cachet_tls_reloads", Map.of("result", "ok")) >= 1);
        assertExpiry(worker, "key", renewed.leaf());
        assertThat(worker.series("cachet_tls_certificate_expiry_seconds", Map.of("store", "key", "serial", renewed.leaf().getSerialNumber().toString(16))))
                .hasSize(1);
        assertThat(worker.series("cachet_tls_certificate_expiry_seconds", Map.of("store", "key", "serial", first.leaf().getSerialNumber().toString(16))))
                .as("the replaced certificate is gone").isEmpty();
    }

    private static void assertOneMore(Scraper scraper, String cause, ThrowingRunnable attack) throws Exception {
        Map<String, String> labels = Map.of("listener", DATA_LISTENER, "result", "failed", "cause", cause);
        double before = scraper.value("cachet_tls_handshakes", labels);
        attack.run();
        Eventually.await("the failed handshake counted as " + cause, () -> scraper.value("cachet_tls_handshakes", labels) >= before + 1);
        assertThat(scraper.value("cachet_tls_handshakes", labels)).as("failed handshakes, cause " + cause).isEqualTo(before + 1);
    }

    private static void assertExpiry(Scraper scraper, String store, X509Certificate certificate) throws Exception {
        Map<String, String> labels = Map.of("store", store, "subject", CertificateDetails.subject(certificate), "serial", certificate.getSerialNumber().toString(16));
        double expected = (certificate.getNotAfter().getTime() - System.currentTimeMillis()) / 1000.0;
        Eventually.await(store + " certificate " + CertificateDetails.subject(certificate) + " reported", () -> !scraper.series("cachet_tls_certificate_expiry_seconds", labels).isEmpty());
        assertThat(scraper.value("cachet_tls_certificate_expiry_seconds", labels)).isCloseTo(expected, Offset.offset(60.0));
    }

    /** A TLS handshake from a JDK client with {@code identity} (or none), offering only {@code protocol}; failures are what the test wants. */
    private static void handshake(TestPki pki, Optional<IssuedCertificate> identity, String protocol, int port) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        // Offer the certificate whatever CAs the server names: the JDK would otherwise leave out one from an unknown CA.
        KeyManager[] offered = identity.isPresent()
                ? new KeyManager[] {new AlwaysOffered((X509KeyManager) keyManagers(pki, identity.get())[0])}
                : null;
        context.init(offered, trust(pki).getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", port)) {
            socket.setSoTimeout((int) Eventually.TIMEOUT.toMillis());
            socket.setEnabledProtocols(new String[] {protocol});
            socket.startHandshake();
            // Under TLS 1.3 the client is done before the server has checked its certificate: send something, so the
            // server reads the certificate before this close; the verdict is the server's to count, not ours to wait for.
            socket.getOutputStream().write(new byte[] {'C', 'A', 'C', 'H', 'E', 'T', 0, 1});
            socket.getOutputStream().flush();
        }
        catch (IOException refused) {
            // the point of most calls
        }
    }

    /** A client key manager that presents its one certificate to any server, as a misconfigured or hostile client would. */
    private static final class AlwaysOffered extends X509ExtendedKeyManager {
        private final X509KeyManager keys;

        AlwaysOffered(X509KeyManager keys) {
            this.keys = keys;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {"client"};
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return "client";
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return "client";
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return keys.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return keys.getPrivateKey(alias);
        }
    }

    private static void drain(InputStream in) {
        try {
            while (in.read() >= 0) {
                // until the server closes
            }
        }
        catch (IOException closed) {
            // closed by the server
        }
    }

    private static KeyManager[] keyManagers(TestPki pki, IssuedCertificate identity) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(pki.keyStore(StoreFormat.PKCS12, Map.of("client", identity)))) {
            store.load(in, TestPki.PASSWORD.toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, TestPki.PASSWORD.toCharArray());
        return keys.getKeyManagers();
    }

    private static TrustManagerFactory trust(TestPki pki) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(pki.trustStore())) {
            store.load(in, TestPki.PASSWORD.toCharArray());
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return factory;
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Scrapes one node's /metrics over HTTPS, trusting only the test CA, in the protobuf format. */
    private static final class Scraper {
        private final HttpClient client;
        private final String url;

        Scraper(TestPki pki, String base) throws Exception {
            this(pki, base, Optional.empty());
        }

        Scraper(TestPki pki, String base, Optional<IssuedCertificate> identity) throws Exception {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(identity.isPresent() ? keyManagers(pki, identity.get()) : null, trust(pki).getTrustManagers(), null);
            this.client = HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(30)).build();
            this.url = base + "/metrics";
        }

        List<Metrics.MetricFamily> scrape() throws Exception {
            HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(URI.create(url)).header("Accept", PrometheusProtobufWriter.CONTENT_TYPE)
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            List<Metrics.MetricFamily> families = new ArrayList<>();
            try (InputStream in = response.body()) {
                for (Metrics.MetricFamily family = Metrics.MetricFamily.parseDelimitedFrom(in); family != null; family = Metrics.MetricFamily.parseDelimitedFrom(in)) {
                    families.add(family);
                }
            }
            return families;
        }

        /** The series of family {@code name} (counters are exposed with a _total suffix) whose labels include {@code labels}. */
        List<Metrics.Metric> series(String name, Map<String, String> labels) throws Exception {
            List<Metrics.Metric> found = new ArrayList<>();
            for (Metrics.MetricFamily family : scrape()) {
                if (family.getName().equals(name) || family.getName().equals(name + "_total")) {
                    family.getMetricList().stream().filter(metric -> matches(metric, labels)).forEach(found::add);
                }
            }
            return found;
        }

        HttpResponse<String> text() throws Exception {
            return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        }

        long histogramCount(String name) throws Exception {
            List<Metrics.Metric> found = series(name, Map.of());
            assertThat(found).as("histogram %s", name).hasSize(1);
            return found.get(0).getHistogram().getSampleCount();
        }

        double value(String name, Map<String, String> labels) throws Exception {
            List<Metrics.Metric> found = series(name, labels);
            assertThat(found).as("series %s%s", name, labels).hasSize(1);
            Metrics.Metric metric = found.get(0);
            return metric.hasCounter() ? metric.getCounter().getValue() : metric.getGauge().getValue();
        }

        private static boolean matches(Metrics.Metric metric, Map<String, String> labels) {
            Map<String, String> actual = new HashMap<>();
            metric.getLabelList().forEach(pair -> actual.put(pair.getName(), pair.getValue()));
            return labels.entrySet().stream().allMatch(entry -> entry.getValue().equals(actual.get(entry.getKey())));
        }
    }
}
