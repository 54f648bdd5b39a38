package io.cachet.cluster;

import io.cachet.certs.CertificateFiles.KeyEncoding;
import io.cachet.minicluster.MiniCluster;
import io.cachet.testing.Eventually;
import io.cachet.tls.OpenSslClient;
import io.cachet.tls.TestPki;
import io.cachet.worker.WorkerServer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** TLS details an attacker or a scanner probes: renegotiation and the alert a refused client certificate gets, on every listener, with each provider. */
@Timeout(180)
class TlsHardeningTest {
    @RegisterExtension
    final ClusterFixture clusters = ClusterFixture.tls("Hardening CA");

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "openssl"})
    void clientInitiatedRenegotiationIsRefusedOnEveryListener(String provider) throws Exception {
        MiniCluster cluster = clusters.start(builder -> builder.workers(1).property("cachet.network.tls.provider", provider));
        WorkerServer worker = cluster.workerServer(0);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {TestPki.contexts(clusters.pki().trustSettings()).material().trustManager()}, null);
        for (int port : List.of(cluster.coordinatorPort(), worker.rpcPort(), worker.dataPort())) {
            boolean grpc = port != worker.dataPort();
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", port)) {
                socket.setSoTimeout(30_000);
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setProtocols(new String[] {"TLSv1.2"});
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                if (grpc) {
                    parameters.setApplicationProtocols(new String[] {"h2"});
                }
                socket.setSSLParameters(parameters);
                AtomicInteger handshakes = new AtomicInteger();
                socket.addHandshakeCompletedListener(event -> handshakes.incrementAndGet());
                socket.startHandshake();
                assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.2");

                // A second handshake on the same connection, as testssl.sh's secure_client_renego does.
                assertThatThrownBy(() -> {
                    socket.startHandshake();
                    socket.getOutputStream().write(grpc ? "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes() : new byte[] {'C', 'A', 'C', 'H', 'E', 'T', 0, 1});
                    socket.getOutputStream().flush();
                    if (socket.getInputStream().read() < 0) {
                        throw new IOException("closed");
                    }
                    // gRPC answers the preface with its SETTINGS: read on until the refusal closes the connection.
                    while (socket.getInputStream().read() >= 0) {
                        // draining
                    }
                    throw new IOException("closed");
                }).as("port %d (%s): a renegotiation must not go through", port, grpc ? "gRPC" : "data").isInstanceOf(IOException.class);
                // The JDK tells handshake listeners from a thread of its own, so the first one may arrive after this point.
                Eventually.await("the first handshake on port " + port + " is reported", () -> handshakes.get() >= 1);
                assertThat(handshakes.get()).as("handshakes completed on port %d", port).isEqualTo(1);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "openssl"})
    void aClientCertificateFromAnUnknownCaIsAnsweredWithACertificateAlertNotInternalError(String provider) throws Exception {
        TestPki stranger = TestPki.create(clusters.directory(), "Stranger CA");
        Path[] foreign = stranger.pem(stranger.client("foreigner"), KeyEncoding.PKCS8, false);
        MiniCluster cluster = clusters.start(builder -> builder.workers(1)
                .property("cachet.network.tls.provider", provider)
                .property("cachet.network.tls.client.auth", "required"));
        WorkerServer worker = cluster.workerServer(0);
        for (int port : List.of(worker.dataPort(), worker.rpcPort())) {
            for (String version : List.of("-tls1_2", "-tls1_3")) {
                List<String> options = new ArrayList<>(List.of("-CAfile", clusters.pki().caPem().toString(), "-cert", foreign[0].toString(), "-key", foreign[1].toString(), version));
                if (port == worker.rpcPort()) {
                    options.addAll(List.of("-alpn", "h2"));
                }
                // Under TLS 1.3 the server judges the client's certificate after the client's handshake is done: read on for its verdict.
                options.add("-ign_eof");
                OpenSslClient.Result result = OpenSslClient.connect(port, options.toArray(String[]::new));
                // BoringSSL says exactly what happened; the JDK engine answers every refused client certificate with certificate_unknown.
                assertThat(result.output()).as("port %d, %s, %s", port, version, provider)
                        .contains(provider.equals("openssl") ? "alert unknown ca" : "alert certificate unknown")
                        .doesNotContain("internal error");
            }
        }
    }
}
