package io.cachet.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code openssl s_server} on a free loopback port: an independent TLS implementation to test against. */
final class OpenSslServer implements AutoCloseable {
    private static final Pattern ACCEPT = Pattern.compile("ACCEPT .*:(\\d+)");

    private final Process process;
    private final int port;
    private final StringBuilder output = new StringBuilder();

    private OpenSslServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static OpenSslServer start(String... options) throws IOException {
        List<String> command = new ArrayList<>(List.of("openssl", "s_server", "-accept", "127.0.0.1:0", "-www"));
        command.addAll(List.of(options));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            seen.append(line).append('\n');
            Matcher matcher = ACCEPT.matcher(line);
            if (matcher.find()) {
                OpenSslServer server = new OpenSslServer(process, Integer.parseInt(matcher.group(1)));
                Thread drain = new Thread(() -> server.drain(reader), "openssl-s_server-output");
                drain.setDaemon(true);
                drain.start();
                return server;
            }
        }
        process.destroyForcibly();
        throw new IOException("openssl s_server did not start: " + seen);
    }

    int port() {
        return port;
    }

    synchronized String output() {
        return output.toString();
    }

    private void drain(BufferedReader reader) {
        try {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                synchronized (this) {
                    output.append(line).append('\n');
                }
            }
        }
        catch (IOException ignored) {
            // the process ended
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
