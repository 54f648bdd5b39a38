package io.cachet.cli;

import io.cachet.conf.CachetConfig;
import io.cachet.etcd.EtcdClient;
import io.cachet.etcd.EtcdSettings;
import io.cachet.metrics.MetricsServer;
import io.cachet.tls.CertificateDetails;
import io.cachet.tls.TlsCheck;
import io.cachet.tls.TlsContexts;
import io.cachet.tls.TlsHandshakeException;
import io.cachet.tls.TlsSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code cachet tls}: TLS diagnostics. */
@Command(name = "tls", description = "TLS diagnostics.", subcommands = TlsCommand.Check.class)
final class TlsCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "check", description = {"Connect to HOST:PORT with the current TLS settings and report protocol, cipher, provider and the peer's chain, or what is wrong.",
            "With --etcd, check each endpoint of cachet.etcd.endpoints with the etcd TLS settings instead, and read etcd's version through it."})
    static final class Check implements Callable<Integer> {
        @ParentCommand
        private TlsCommand parent;

        @Spec
        private CommandSpec spec;

        @Mixin
        private ConfigOverrides overrides;

        @Parameters(paramLabel = "HOST:PORT", arity = "0..1")
        private String endpoint;

        @Option(names = "--etcd", description = "Check the etcd endpoints (cachet.etcd.endpoints) with the etcd TLS settings (cachet.etcd.tls.*).")
        private boolean etcd;

        @Override
        public Integer call() {
            CachetCommand root = (CachetCommand) spec.root().userObject();
            CachetConfig config = root.config(overrides.values);
            PrintWriter out = spec.commandLine().getOut();
            if (etcd) {
                return checkEtcd(EtcdSettings.from(config), out);
            }
            if (endpoint == null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Give HOST:PORT to check, or --etcd to check the etcd endpoints");
            }
            InetSocketAddress server = parseEndpoint();
            TlsSettings settings = TlsSettings.from(config);
            int result = check(TlsContexts.load(settings), server, out);
            out.println("Metrics and health with these settings: " + MetricsServer.addresses(config));
            out.flush();
            return result;
        }

        /** Each endpoint's handshake with the etcd TLS settings, then a request through the etcd client, which is what membership uses. */
        private static int checkEtcd(EtcdSettings settings, PrintWriter out) {
            int result = 0;
            if (settings.tls().enabled()) {
                TlsContexts contexts = TlsContexts.load(settings.tls());
                for (URI endpoint : settings.endpoints()) {
                    result = Math.max(result, check(contexts, new InetSocketAddress(endpoint.getHost(), endpoint.getPort()), out));
                }
            }
            try (EtcdClient client = EtcdClient.create(settings)) {
                out.printf("etcd: %s answers, version %s; workers are kept under %s%n", client.describe(), client.serverVersion(), settings.workersPrefix());
            }
            catch (IOException e) {
                out.printf("etcd: FAILED%n  %s%n", e.getMessage());
                result = 1;
            }
            out.flush();
            return result;
        }

        private static int check(TlsContexts contexts, InetSocketAddress server, PrintWriter out) {
            TlsSettings settings = contexts.settings();
            out.printf("Checking TLS to %s:%d (hostname verification %s, trust: %s)%n", server.getHostString(), server.getPort(),
                    settings.hostnameVerification() ? "on" : "off", contexts.material().trustOrigin());
            try {
                TlsCheck.Report report = TlsCheck.run(contexts, server);
                out.printf("  protocol: %s%n  cipher:   %s%n  provider: %s%n", report.protocol(), report.cipherSuite(), report.provider());
                out.println("Peer certificate chain:");
                List<X509Certificate> chain = report.peerChain();
                for (int i = 0; i < chain.size(); i++) {
                    X509Certificate certificate = chain.get(i);
                    long daysLeft = Duration.between(Instant.now(), certificate.getNotAfter().toInstant()).toDays();
                    out.printf("  [%d] subject: %s%n      issuer:  %s%n      SANs:    %s%n      expires: %s (%d days left)%n", i,
                            CertificateDetails.subject(certificate), CertificateDetails.issuer(certificate),
                            CertificateDetails.subjectAlternativeNames(certificate), certificate.getNotAfter().toInstant(), daysLeft);
                }
                out.println("Result: OK");
                out.flush();
                return 0;
            }
            catch (TlsHandshakeException e) {
                out.printf("Result: FAILED%n  problem: %s%n  fix:     %s%n", e.diagnosis().problem(), e.diagnosis().fix());
                out.flush();
                return 1;
            }
        }

        private InetSocketAddress parseEndpoint() {
            int colon = endpoint.lastIndexOf(':');
            if (colon <= 0 || colon == endpoint.length() - 1) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Expected HOST:PORT, got '" + endpoint + "'");
            }
            String host = endpoint.substring(0, colon).replace("[", "").replace("]", "");
            try {
                return new InetSocketAddress(host, Integer.parseInt(endpoint.substring(colon + 1)));
            }
            catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Expected HOST:PORT with a port from 1 to 65535, got '" + endpoint + "'");
            }
        }
    }
}
