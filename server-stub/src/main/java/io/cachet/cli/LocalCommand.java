package io.cachet.cli;

import io.cachet.certs.CertificateFiles;
import io.cachet.certs.DevelopmentCertificates;
import io.cachet.certs.KeyAlgorithm;
import io.cachet.conf.CachetConfig;
import io.cachet.conf.CachetKeys;
import io.cachet.conf.ClientAuth;
import io.cachet.conf.InternodeEncryption;
import io.cachet.conf.MembershipStore;
import io.cachet.etcd.EtcdSettings;
import io.cachet.membership.MembershipSource;
import io.cachet.minicluster.MiniCluster;
import io.cachet.tls.TlsSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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

    @Option(names = "--etcd", paramLabel = "ENDPOINTS", split = ",",
            description = "Keep membership in this etcd (client URLs, comma-separated) instead of the coordinator; etcd TLS files go in --set cachet.etcd.tls.*.")
    private List<String> etcd;

    @Option(names = "--client-conf", description = "Also write the client settings to this file (a cachet-site.properties).")
    private Path clientConf;

    @Override
    public Integer call() throws Exception {
        Map<String, String> properties = new HashMap<>(overrides.values);
        Optional<DevelopmentCertificates.Layout> certificates = Optional.empty();
        if (tls) {
            certificates = Optional.of(DevelopmentCertificates.generate(directory.resolve("certs"), List.of("localhost", "127.0.0.1"),
                    Duration.ofDays(30), KeyAlgorithm.EC));
            properties.putAll(certificates.get().serverSettings());
        }
        if (etcd != null && !etcd.isEmpty()) {
            properties.put(CachetKeys.MEMBERSHIP_STORE.name(), MembershipStore.ETCD.name().toLowerCase(Locale.ROOT));
            properties.put(CachetKeys.ETCD_ENDPOINTS.name(), String.join(",", etcd));
        }
        MiniCluster cluster = MiniCluster.builder(directory.toAbsolutePath()).workers(workers).properties(properties).start();
        try {
            CachetConfig effective = cluster.clientConfig();
            boolean tlsOn = effective.get(CachetKeys.TLS_ENABLED);
            boolean certificateAsked = tlsOn && effective.get(CachetKeys.TLS_CLIENT_AUTH) != ClientAuth.NONE;
            Map<String, String> client = new TreeMap<>();
            cluster.clientProperties().forEach((key, value) -> {
                if (CachetKeys.isClientSetting(key)) {
                    client.put(key, value);
                }
            });
            if (certificateAsked) {
                certificates.ifPresent(layout -> client.putAll(layout.clientWithCertificateSettings()));
            }
            if (clientConf != null) {
                Files.createDirectories(clientConf.toAbsolutePath().getParent());
                // Owner-only: a secret given inline with --set would be in it.
                CertificateFiles.writeSecret(clientConf, properties(client, false));
            }
            PrintWriter out = spec.commandLine().getOut();
            out.printf("Cachet local cluster: coordinator on localhost:%d, %d workers, %s, membership in %s, under-file-system %s%n",
                    cluster.coordinatorPort(), workers, describeTls(effective), MembershipSource.describe(effective), cluster.ufsRoot());
            out.println("Client settings (cachet-site.properties, or -D / spark.hadoop. / catalog properties):");
            out.print(properties(client, true));
            if (certificateAsked && certificates.isEmpty()) {
                out.printf("Servers ask clients for a certificate (%s): add the client's own %s and %s (or %s and %s).%n",
                        CachetKeys.TLS_CLIENT_AUTH.name(), CachetKeys.TLS_KEYSTORE_PATH.name(), CachetKeys.TLS_KEYSTORE_PASSWORD.name(),
                        CachetKeys.TLS_CERTIFICATE_PATH.name(), CachetKeys.TLS_KEY_PATH.name());
            }
            if (effective.get(CachetKeys.MEMBERSHIP_STORE) == MembershipStore.ETCD && EtcdSettings.from(effective).tls().enabled()) {
                out.printf("Clients read membership from etcd: if etcd requires client certificates (--client-cert-auth), give each client its own %s and %s.%n",
                        CachetKeys.ETCD_TLS_CERTIFICATE_PATH.name(), CachetKeys.ETCD_TLS_KEY_PATH.name());
            }
            if (clientConf != null) {
                out.println("Written to " + clientConf.toAbsolutePath());
            }
            out.println("Running; stop with Ctrl-C.");
            out.flush();
        }
        catch (Exception e) {
            cluster.close();
            throw e;
        }
        ServerCommands.runUntilStopped(cluster);
        return 0;
    }

    /** What the cluster runs, from its effective settings (TLS may come from --set as well as --tls). */
    private static String describeTls(CachetConfig config) {
        TlsSettings tls = TlsSettings.from(config);
        String internode = tls.internode().name().toLowerCase(Locale.ROOT);
        if (!tls.enabled()) {
            return tls.internode() == InternodeEncryption.NONE ? "plaintext" : "plaintext for clients, internode encryption " + internode;
        }
        String described = tls.internode() == InternodeEncryption.ALL ? "TLS on every connection" : "TLS for clients, internode encryption " + internode;
        ClientAuth clientAuth = config.get(CachetKeys.TLS_CLIENT_AUTH);
        return clientAuth == ClientAuth.NONE ? described : described + ", client certificates " + clientAuth.name().toLowerCase(Locale.ROOT);
    }

    /** One key=value line each; on the terminal, a secret written inline is masked (a ${file:...} reference shows where it lives). */
    private static String properties(Map<String, String> settings, boolean forTerminal) {
        StringBuilder text = new StringBuilder();
        settings.forEach((key, value) -> {
            boolean inlineSecret = CachetKeys.all().get(key).isSecret() && !value.startsWith("${file:");
            text.append(key).append('=').append(forTerminal && inlineSecret ? CachetConfig.MASK : value).append('\n');
        });
        return text.toString();
    }
}
