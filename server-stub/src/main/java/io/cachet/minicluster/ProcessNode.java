package io.cachet.minicluster;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A server in a JVM of its own, started through the {@code cachet} launcher with {@code --set} properties. */
final class ProcessNode implements MiniCluster.Node {
    private final Process process;
    private final String role;
    private final Path log;
    private final int rpcPort;

    private ProcessNode(Process process, String role, Path log, int rpcPort) {
        this.process = process;
        this.role = role;
        this.log = log;
        this.rpcPort = rpcPort;
    }

    static ProcessNode start(String role, String classpath, Map<String, String> properties, Path log, int rpcPort) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-XX:+IgnoreUnrecognizedVMOptions");
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-cp");
        command.add(classpath);
        command.add("io.cachet.cli.CachetCommand");
        command.add(role);
        properties.forEach((key, value) -> {
            command.add("--set");
            command.add(key + "=" + value);
        });
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        return new ProcessNode(process, role, log, rpcPort);
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
    }

    @Override
    public void kill() {
        process.destroyForcibly();
        await();
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
            throw new java.io.UncheckedIOException(e);
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
