package io.cachet.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code cachet tls check} against {@code openssl s_server}: the chain when all is well, the diagnosis when not. */
class TlsCheckCommandTest {
    @TempDir
    static Path directory;
    private static Path certs;
    private static Path otherCerts;
    private static OpenSslServer server;

    @BeforeAll
    static void startServer() throws IOException {
        certs = directory.resolve("certs");
        otherCerts = directory.resolve("other");
        assertThat(CachetCli.run("certs", "generate", "--out", certs.toString(), "--hosts", "localhost").exitCode()).isZero();
        assertThat(CachetCli.run("certs", "generate", "--out", otherCerts.toString(), "--hosts", "localhost").exitCode()).isZero();
        server = OpenSslServer.start("-cert", certs.resolve("server.crt.pem").toString(), "-key", certs.resolve("server.key.pem").toString(),
                "-cert_chain", certs.resolve("ca.crt.pem").toString());
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void printsProtocolCipherProviderAndTheChain() throws IOException {
        CachetCli.Run run = check(certs, "localhost:" + server.port());

        assertThat(run.exitCode()).isZero();
        assertThat(run.out())
                .contains("protocol: TLSv1.3")
                .contains("cipher:   TLS_")
                .contains("provider: OPENSSL")
                .contains("[0] subject: CN=localhost,OU=cachet-node,O=Cachet development")
                .contains("issuer:  CN=Cachet Development CA,O=Cachet development")
                .contains("SANs:    [DNS:localhost]")
                .contains("[1] subject: CN=Cachet Development CA")
                .contains("days left")
                .contains("Result: OK")
                .contains("Metrics and health with these settings: coordinator http");
    }

    @Test
    void wrongCaGivesTheUntrustedIssuerDiagnosis() throws IOException {
        CachetCli.Run run = check(otherCerts, "localhost:" + server.port());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out())
                .contains("Result: FAILED")
                .contains("The server certificate of server localhost:" + server.port())
                .contains("subject CN=localhost,OU=cachet-node,O=Cachet development, issued by CN=Cachet Development CA,O=Cachet development")
                .contains("is not trusted by trust store " + otherCerts.resolve("truststore.p12"))
                .contains("fix:     add the CA that issued it");
    }

    @Test
    void hostNotInTheSansGivesBothWaysToFixIt() throws IOException {
        CachetCli.Run run = check(certs, "127.0.0.1:" + server.port());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out())
                .contains("The host name 127.0.0.1 does not match the certificate")
                .contains("CN=localhost, SANs=[DNS:localhost]")
                .contains("cachet certs generate --hosts 127.0.0.1")
                .contains("cachet.network.tls.client.no.endpoint.identification=true");
    }

    @Test
    void plaintextEndpointIsNamedAsSuch() throws Exception {
        try (ServerSocket plaintext = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread answer = new Thread(() -> {
                try (Socket socket = plaintext.accept(); OutputStream out = socket.getOutputStream()) {
                    socket.getInputStream().read(new byte[512]);
                    out.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                catch (IOException ignored) {
                    // the check closed first
                }
            });
            answer.start();

            CachetCli.Run run = check(certs, "localhost:" + plaintext.getLocalPort());
            answer.join();

            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.out()).contains("answered in plaintext; that port does not speak TLS").contains("cachet.network.tls.enabled");
        }
    }

    @Test
    void badEndpointIsAUsageError() {
        CachetCli.Run run = CachetCli.run("tls", "check", "no-port-here");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("Expected HOST:PORT, got 'no-port-here'");
    }

    private static CachetCli.Run check(Path material, String endpoint) throws IOException {
        return CachetCli.run("tls", "check", endpoint,
                "--set", "cachet.network.tls.truststore.path=" + material.resolve("truststore.p12"),
                "--set", "cachet.network.tls.truststore.password=" + Files.readString(material.resolve("truststore.password")));
    }
}
