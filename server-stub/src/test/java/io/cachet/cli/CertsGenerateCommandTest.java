package io.cachet.cli;

import io.cachet.conf.CachetConfig;
import io.cachet.tls.OpenSslClient;
import io.cachet.tls.TlsContexts;
import io.cachet.tls.TlsSettings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code cachet certs generate} output works with keytool, OpenSSL and Cachet itself. */
class CertsGenerateCommandTest {
    @TempDir
    static Path directory;
    private static Path certs;
    private static CachetCli.Run generate;

    @BeforeAll
    static void generate() {
        certs = directory.resolve("certs");
        generate = CachetCli.run("certs", "generate", "--out", certs.toString(), "--hosts", "localhost,127.0.0.1,node-1.example.com", "--days", "30");
    }

    @Test
    void writesEveryFormatAndKeepsPrivateMaterialOwnerOnly() throws IOException {
        assertThat(generate.exitCode()).isZero();
        assertThat(generate.out()).contains("Development certificates for [localhost, 127.0.0.1, node-1.example.com] (valid 30 days)");
        for (String name : List.of("ca.crt.pem", "server.crt.pem", "client.crt.pem", "truststore.p12", "truststore.jks", "cachet-client.properties")) {
            assertThat(certs.resolve(name)).isRegularFile();
        }
        for (String name : List.of("ca.key.pem", "server.key.pem", "client.key.pem", "server.p12", "server.jks", "client.p12", "client.jks",
                "keystore.password", "truststore.password")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(certs.resolve(name)))).as(name).isEqualTo("rw-------");
        }
        assertThat(Files.readString(certs.resolve("cachet-client.properties")))
                .contains("cachet.network.tls.truststore.password=${file:" + certs.resolve("truststore.password") + "}")
                .doesNotContain(Files.readString(certs.resolve("truststore.password")));
    }

    @Test
    void keytoolListsTheKeyAndTrustStores() throws Exception {
        String storePassword = Files.readString(certs.resolve("keystore.password"));
        String trustPassword = Files.readString(certs.resolve("truststore.password"));
        for (String store : List.of("server.jks", "server.p12")) {
            assertThat(run("keytool", "-list", "-keystore", certs.resolve(store).toString(), "-storepass", storePassword))
                    .as(store).contains("server, ").contains("PrivateKeyEntry");
        }
        for (String store : List.of("truststore.jks", "truststore.p12")) {
            assertThat(run("keytool", "-list", "-keystore", certs.resolve(store).toString(), "-storepass", trustPassword))
                    .as(store).contains("cachet-ca, ").contains("trustedCertEntry");
        }
    }

    @Test
    void opensslServerAndClientAcceptTheGeneratedPemMaterialWithMutualTls() throws Exception {
        try (OpenSslServer server = OpenSslServer.start(
                "-cert", certs.resolve("server.crt.pem").toString(), "-key", certs.resolve("server.key.pem").toString(),
                "-CAfile", certs.resolve("ca.crt.pem").toString(), "-Verify", "1", "-verify_return_error")) {
            OpenSslClient.Result result = OpenSslClient.connect(server.port(),
                    "-CAfile", certs.resolve("ca.crt.pem").toString(), "-verify_return_error", "-verify_hostname", "node-1.example.com",
                    "-cert", certs.resolve("client.crt.pem").toString(), "-key", certs.resolve("client.key.pem").toString());

            assertThat(result.output()).contains("Verify return code: 0 (ok)").contains("Verified peername: node-1.example.com");
        }
    }

    @Test
    void cachetLoadsTheGeneratedStoresThroughTheGeneratedSettings() throws IOException {
        for (String file : List.of("cachet-server.properties", "cachet-client.properties")) {
            Path confDir = Files.createDirectories(directory.resolve("conf-" + file));
            Files.copy(certs.resolve(file), confDir.resolve(CachetConfig.SITE_FILE_NAME));
            CachetConfig config = CachetConfig.builder().environment(Map.of("CACHET_CONF_DIR", confDir.toString())).systemProperties(new Properties()).build();

            TlsContexts contexts = TlsContexts.load(TlsSettings.from(config));

            assertThat(contexts.material().trustOrigin()).contains("truststore.p12");
            assertThat(contexts.material().identity().isPresent()).isEqualTo(file.contains("server"));
        }
    }

    private static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }
}
