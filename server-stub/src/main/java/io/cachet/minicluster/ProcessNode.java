package io.cachet.minicluster;

import io.cachet.certs.CertificateFiles;
import io.cachet.conf.CachetConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** A server in a JVM of its own, started through the {@code cachet} launcher with its settings in a site file of its own. */
final class ProcessNode implements MiniCluster.Node {
    private static final Logger log = LoggerFactory.getLogger(ProcessNode.class);
    private static final String LEAK_DETECTION_LEVEL = "leakDetection.level";

    private final Process process;
    private final String role;
    private final Path logFile;
    private final int rpcPort;

    private ProcessNode(Process process, String role, Path logFile, int rpcPort) {
        this.process = process;
        this.role = role;
        this.logFile = logFile;
        this.rpcPort = rpcPort;
    }

    static ProcessNode start(String role, String classpath, List<String> jvmOptions, Map<String, String> properties, Path logFile, int rpcPort) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-XX:+IgnoreUnrecognizedVMOptions");
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(jvmOptions);
        // Netty leak detection set for this JVM (a test run sets it) applies to the nodes it starts.
        System.getProperties().stringPropertyNames().stream()
                .filter(name -> name.endsWith(LEAK_DETECTION_LEVEL))
                .sorted()
                .forEach(name -> command.add("-D" + name + "=" + System.getProperty(name)));
        command.add("-cp");
        command.add(classpath);
        command.add("io.cachet.cli.CachetCommand");
        command.add(role);
        // The settings go in an owner-only site file, never on the command line, where anyone on the host
        // could read a password with ps.
        Path confDir = Files.createDirectories(logFile.resolveSibling(logFile.getFileName().toString().replaceFirst("\\.log$", "") + "-conf"));
        CertificateFiles.writeSecret(confDir.resolve(CachetConfig.SITE_FILE_NAME), siteFile(properties));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        builder.environment().put(CachetConfig.CONF_DIR_VARIABLE, confDir.toString());
        Process process = builder.start();
        return new ProcessNode(process, role, logFile, rpcPort);
    }

    private static String siteFile(Map<String, String> properties) throws IOException {
        Properties site = new Properties();
        site.putAll(properties);
        StringWriter text = new StringWriter();
        site.store(text, "written by MiniCluster for one node");
        return text.toString();
    }

    @Override
    public int rpcPort() {
        return rpcPort;
    }

    @Override
    public void close() {
        // A suspended JVM cannot act on SIGTERM: let it run so it can stop.
        if (process.isAlive()) {
            sendSignal("CONT");
        }
        process.destroy();
        await();
        repeatLeakReports();
    }

    @Override
    public void kill() {
        process.destroyForcibly();
        await();
        repeatLeakReports();
    }

    /** Netty's leak reports from the node's own log, repeated in this JVM's log where whoever started the node looks. */
    private void repeatLeakReports() {
        try (var lines = Files.lines(logFile)) {
            lines.filter(line -> line.contains("LEAK:"))
                    .forEach(line -> log.error("{} reported a leaked buffer: {}", this, line));
        }
        catch (IOException | UncheckedIOException e) {
            log.warn("Cannot read the log of {} for leak reports: {}", this, e.toString());
        }
    }

    @Override
    public void suspend() {
        signal("STOP");
    }

    @Override
    public void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        if (!sendSignal(name)) {
            throw new IllegalStateException("kill -%s %d failed (%s)".formatted(name, process.pid(), this));
        }
    }

    private boolean sendSignal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
            return kill.waitFor(30, TimeUnit.SECONDS) && kill.exitValue() == 0;
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling " + this, e);
        }
    }

    @Override
    public boolean isAlive() {
        return process.isAlive();
    }

    private void await() {
        try {
            // A clean stop drains the data server (up to 30 s): wait longer than that before killing it.
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return role + " process " + process.pid() + " (log " + log + ")";
    }
}
