package io.cachet.etcd;

import io.cachet.minicluster.MiniCluster;
import io.cachet.testing.Eventually;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real single-member etcd on loopback, in its own process with its own data directory and ports, for
 * tests. The binary comes from {@code $CACHET_ETCD_BINARY} or the PATH (Debian's {@code etcd-server}
 * package installs it as {@code etcd}; the README's test command installs that package when missing).
 * A stopped server can start again on the same port and data, with other TLS material.
 */
public final class EtcdServer implements AutoCloseable {
    /** The variable that names the etcd binary when it is not {@code etcd} on the PATH. */
    public static final String BINARY_VARIABLE = "CACHET_ETCD_BINARY";

    /** TLS material for the client port: the server's certificate and key, and the CAs whose client certificates it accepts. */
    public record Tls(Path certificate, Path key, Optional<Path> clientCa) {}

    private final Path directory;
    private final int clientPort;
    private final int peerPort;
    private Optional<Tls> tls;
    private Process process;
    private int starts;

    private EtcdServer(Path directory, Optional<Tls> tls) {
        this.directory = directory;
        this.tls = tls;
        this.clientPort = MiniCluster.freePort();
        this.peerPort = MiniCluster.freePort();
    }

    /** Starts etcd serving TLS on its client port; with a client CA, it requires client certificates from it ({@code --client-cert-auth}). */
    public static EtcdServer startTls(Path directory, Tls tls) throws Exception {
        EtcdServer server = new EtcdServer(Files.createDirectories(directory), Optional.of(tls));
        server.start();
        return server;
    }

    public static EtcdServer startPlaintext(Path directory) throws Exception {
        EtcdServer server = new EtcdServer(Files.createDirectories(directory), Optional.empty());
        server.start();
        return server;
    }

    /** The client URL, as Cachet's {@code cachet.etcd.endpoints} takes it. */
    public String endpoint() {
        return (tls.isPresent() ? "https" : "http") + "://127.0.0.1:" + clientPort;
    }

    public int clientPort() {
        return clientPort;
    }

    /** Stops etcd and starts it again on the same port and data directory with {@code tls}. */
    public void restart(Tls tls) throws Exception {
        stop();
        this.tls = Optional.of(tls);
        start();
    }

    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private void start() throws Exception {
        starts++;
        Path log = directory.resolve("etcd-" + starts + ".log");
        String scheme = tls.isPresent() ? "https" : "http";
        String peer = "http://127.0.0.1:" + peerPort;
        List<String> command = new ArrayList<>(List.of(binary(),
                "--name", "cachet-test",
                "--data-dir", directory.resolve("data").toString(),
                "--listen-client-urls", scheme + "://127.0.0.1:" + clientPort,
                "--advertise-client-urls", scheme + "://127.0.0.1:" + clientPort,
                // One member: its peer port only ever hears itself, on loopback.
                "--listen-peer-urls", peer,
                "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "cachet-test=" + peer,
                "--logger", "zap",
                "--log-outputs", "stderr",
                "--log-level", "info"));
        tls.ifPresent(material -> {
            command.addAll(List.of("--cert-file", material.certificate().toString(), "--key-file", material.key().toString()));
            material.clientCa().ifPresent(ca -> command.addAll(List.of("--client-cert-auth", "--trusted-ca-file", ca.toString())));
        });
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Eventually.await("etcd serving clients on port " + clientPort + " (log: " + log + ")", () -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("etcd exited with " + process.exitValue() + ": " + Files.readString(log));
                }
                return Files.readString(log).contains("serving client traffic");
            });
        }
        catch (Exception | AssertionError e) {
            stop();
            throw e;
        }
    }

    private static String binary() {
        String configured = System.getenv(BINARY_VARIABLE);
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        for (String folder : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path candidate = Path.of(folder, "etcd");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new UncheckedIOException(new IOException("No etcd binary: install Debian's etcd-server package (apt-get install etcd-server), "
                + "or set " + BINARY_VARIABLE + " to an etcd 3.4+ binary"));
    }
}
