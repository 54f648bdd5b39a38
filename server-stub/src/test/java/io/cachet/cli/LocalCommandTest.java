package io.cachet.cli;

import io.cachet.certs.DevelopmentCertificates;
import io.cachet.certs.KeyAlgorithm;
import io.cachet.client.CachetClient;
import io.cachet.conf.CachetConfig;
import io.cachet.conf.CachetKeys;
import io.cachet.testing.Eventually;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class LocalCommandTest {
    @TempDir
    Path directory;

    @Test
    void tlsGivenThroughSetIsReportedAndClientsGetClientSettingsOnly() throws Exception {
        DevelopmentCertificates.Layout certificates = DevelopmentCertificates.generate(directory.resolve("certs"), List.of("localhost", "127.0.0.1"),
                Duration.ofDays(1), KeyAlgorithm.EC);
        String keyPassword = Files.readString(certificates.keyStorePasswordFile()).strip();
        List<String> arguments = new ArrayList<>(List.of("local", "--workers", "1", "--dir", directory.resolve("local").toString(),
                "--client-conf", directory.resolve("client.properties").toString()));
        Map<String, String> server = new TreeMap<>(certificates.serverSettings());
        server.put(CachetKeys.TLS_KEYSTORE_KEY_PASSWORD.name(), keyPassword);
        server.forEach((key, value) -> arguments.addAll(List.of("--set", key + "=" + value)));

        try (CachetCli.Running local = CachetCli.start(arguments.toArray(String[]::new))) {
            Eventually.await("cachet local says it is running; printed: " + local.out() + local.err(), () -> local.out().contains("Running;"));

            assertThat(local.out())
                    .contains("TLS on every connection")
                    .doesNotContain("plaintext")
                    .doesNotContain(keyPassword);
            Properties client = new Properties();
            client.load(new StringReader(Files.readString(directory.resolve("client.properties"), StandardCharsets.UTF_8)));
            assertThat(client.stringPropertyNames())
                    .contains(CachetKeys.TLS_ENABLED.name(), CachetKeys.TLS_TRUSTSTORE_PATH.name(), CachetKeys.COORDINATOR_ADDRESS.name())
                    .doesNotContain(CachetKeys.TLS_KEYSTORE_PATH.name(), CachetKeys.TLS_KEYSTORE_PASSWORD.name(), CachetKeys.TLS_KEYSTORE_KEY_PASSWORD.name(),
                            CachetKeys.SECURITY_INTERNODE_SECRET.name())
                    .allMatch(CachetKeys::isClientSetting);
            assertThat(Files.readString(directory.resolve("client.properties"))).doesNotContain(keyPassword);
            assertThat(Files.getPosixFilePermissions(directory.resolve("client.properties"))).as("owner-only")
                    .containsOnly(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

            // The written settings are enough for a client: it reaches the cluster over TLS.
            Map<String, String> settings = new TreeMap<>();
            client.stringPropertyNames().forEach(key -> settings.put(key, client.getProperty(key)));
            try (CachetClient cachet = CachetClient.connect(CachetConfig.builder().engineProperties("client.properties", settings).build())) {
                assertThat(cachet.list("/")).isEmpty();
            }
        }
    }

    @Test
    void everySubcommandAnswersHelp() {
        List<String> paths = new ArrayList<>();
        collect(CachetCommand.commandLine(Map.of(), new Properties()), "", paths);
        assertThat(paths).contains("local", "fs put", "certs generate", "tls check");
        for (String path : paths) {
            List<String> arguments = new ArrayList<>(List.of(path.split(" ")));
            arguments.add("--help");
            CachetCli.Run run = CachetCli.run(arguments.toArray(String[]::new));
            assertThat(run.exitCode()).as("cachet %s --help: %s", path, run.err()).isZero();
            assertThat(run.out()).as("cachet %s --help", path).contains("Usage: cachet " + path);
        }
    }

    private static void collect(CommandLine command, String prefix, List<String> paths) {
        command.getSubcommands().forEach((name, subcommand) -> {
            String path = prefix.isEmpty() ? name : prefix + " " + name;
            paths.add(path);
            collect(subcommand, path, paths);
        });
    }
}
