package io.cachet.cli;

import io.cachet.certs.CertificateFiles;
import io.cachet.certs.DevelopmentCertificates;
import io.cachet.certs.KeyAlgorithm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** {@code cachet certs}: development certificates. */
@Command(name = "certs", description = "Development certificates.", subcommands = CertsCommand.Generate.class)
final class CertsCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "generate", description = "Make a development CA, server and client keys and certificates as PEM, JKS and PKCS#12, and trust stores.")
    static final class Generate implements Runnable {
        @Spec
        private CommandSpec spec;

        @Option(names = "--out", required = true, description = "Directory to write into.")
        private Path out;

        @Option(names = "--hosts", split = ",", defaultValue = "localhost,127.0.0.1",
                description = "Host names and IP addresses for the server certificate's SANs (default: ${DEFAULT-VALUE}).")
        private List<String> hosts;

        @Option(names = "--days", defaultValue = "365", description = "Validity in days (default: ${DEFAULT-VALUE}).")
        private int days;

        @Option(names = "--key-type", defaultValue = "EC", description = "EC (P-256) or RSA (2048) (default: ${DEFAULT-VALUE}).")
        private KeyAlgorithm keyType;

        @Override
        public void run() {
            if (days <= 0) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--days must be positive, not " + days);
            }
            DevelopmentCertificates.Layout layout = DevelopmentCertificates.generate(out, hosts, Duration.ofDays(days), keyType);
            PrintWriter print = spec.commandLine().getOut();
            print.printf("Development certificates for %s (valid %d days) in %s:%n", hosts, days, layout.directory());
            print.printf("  CA:           %s (key %s)%n", layout.caCertificate(), layout.caKey());
            print.printf("  server:       %s, %s, %s, %s%n", layout.serverCertificate(), layout.serverKey(),
                    layout.serverKeyStore(CertificateFiles.StoreFormat.PKCS12), layout.serverKeyStore(CertificateFiles.StoreFormat.JKS));
            print.printf("  client:       %s, %s, %s, %s%n", layout.clientCertificate(), layout.clientKey(),
                    layout.clientKeyStore(CertificateFiles.StoreFormat.PKCS12), layout.clientKeyStore(CertificateFiles.StoreFormat.JKS));
            print.printf("  trust stores: %s, %s%n", layout.trustStore(CertificateFiles.StoreFormat.PKCS12), layout.trustStore(CertificateFiles.StoreFormat.JKS));
            print.printf("  passwords:    %s, %s (readable by the owner only)%n", layout.keyStorePasswordFile(), layout.trustStorePasswordFile());
            print.printf("Settings for servers: %s%nSettings for clients: %s%n", layout.serverProperties(), layout.clientProperties());
            print.printf("Use them with: CACHET_CONF_DIR=<dir holding a copy named cachet-site.properties>, or --set key=value.%n");
            print.flush();
        }
    }
}
