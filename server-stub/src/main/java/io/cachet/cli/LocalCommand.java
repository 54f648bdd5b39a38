package io.cachet.cli;

import io.cachet.certs.DevelopmentCertificates;
import io.cachet.certs.KeyAlgorithm;
import io.cachet.minicluster.MiniCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code cachet local}: a coordinator and N workers on loopback, in this process. */
@Command(name = "local", description = "Start a coordinator and N workers on loopback and print the client settings to use.")
final class LocalCommand implements Callable<Integer> {
    @ParentCommand
    private CachetCommand parent;

    @Spec
    private CommandSpec spec;

    @Mixin
    private ConfigOverrides overrides;

    @Option(names = "--workers", defaultValue = "2", description = "Number of workers (default: ${DEFAULT-VALUE}).")
    private int workers;

    @Option(names = "--tls", description = "Generate development certificates and run every connection over TLS.")
    private boolean tls;

    @Option(names = "--dir", defaultValue = "cachet-local", description = "Directory for the under-file-system, caches and certificates (default: ${DEFAULT-VALUE}).")
    private Path directory;

    @Option(names = "--client-conf", description = "Also write the client settings to this file (a cachet-site.properties).")
    private Path clientConf;

    @Override
    public Integer call() throws Exception {
        Map<String, String> properties = new HashMap<>(overrides.values);
        if (tls) {
            DevelopmentCertificates.Layout certificates = DevelopmentCertificates.generate(directory.resolve("certs"), List.of("localhost", "127.0.0.1"),
                    Duration.ofDays(30), KeyAlgorithm.EC);
            properties.putAll(certificates.serverSettings());
        }
        MiniCluster cluster = MiniCluster.builder(directory.toAbsolutePath()).workers(workers).properties(properties).start();
        Map<String, String> client = new TreeMap<>(cluster.clientProperties());
        client.remove("cachet.network.tls.keystore.path");
        client.remove("cachet.network.tls.keystore.password");
        StringBuilder settings = new StringBuilder();
        client.forEach((key, value) -> settings.append(key).append('=').append(value).append('\n'));
        if (clientConf != null) {
            Files.createDirectories(clientConf.toAbsolutePath().getParent());
            Files.writeString(clientConf, settings.toString());
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("Cachet local cluster: coordinator on localhost:%d, %d workers, %s, under-file-system %s%n",
                cluster.coordinatorPort(), workers, tls ? "TLS on every connection" : "plaintext", cluster.ufsRoot());
        out.println("Client settings (cachet-site.properties, or -D / spark.hadoop. / catalog properties):");
        out.print(settings);
        if (clientConf != null) {
            out.println("Written to " + clientConf.toAbsolutePath());
        }
        out.println("Running; stop with Ctrl-C.");
        out.flush();
        ServerCommands.runUntilStopped(cluster);
        return 0;
    }
}
