package io.cachet.benchmarks.hadoop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Java process the benchmark started: its standard output is copied to a log file and read line by
 * line; closing it closes the child's standard input (servers stop on that) and then ends it.
 */
final class ChildJvm implements AutoCloseable {
    private static final String END = "\u0000end";

    private final String name;
    private final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Path log;

    private ChildJvm(String name, Process process, Path log) throws IOException {
        this.name = name;
        this.process = process;
        this.log = log;
        PrintWriter copy = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true);
        // A thread of its own: a server's output is read for as long as it runs.
        Thread copier = new Thread(() -> {
            try (copy; BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    copy.println(line);
                    lines.add(line);
                }
            }
            catch (IOException e) {
                copy.println("(output lost: " + e + ")");
            }
            finally {
                lines.add(END);
            }
        }, name + " output");
        copier.setDaemon(true);
        copier.start();
    }

    /** Starts {@code java [jvmOptions] -cp classpath mainClass arguments}, output (stdout and stderr) to {@code log}. */
    static ChildJvm start(String name, List<String> jvmOptions, String classpath, String mainClass, List<String> arguments, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.addAll(arguments);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new ChildJvm(name, process, log);
    }

    /** The next line that starts with {@code prefix}, without it; fails if the process ends first or {@code timeout} passes. */
    String awaitLine(String prefix, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String line;
            try {
                line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + name, e);
            }
            if (line == null || line.equals(END)) {
                throw new IOException("%s %s before printing '%s'; its output is in %s".formatted(name,
                        line == null ? "did not answer within " + timeout : "ended", prefix.strip(), log));
            }
            if (line.startsWith(prefix)) {
                return line.substring(prefix.length());
            }
        }
    }

    /** Every line that starts with {@code prefix} until the process ends, which must be within {@code timeout} and with status 0. */
    List<String> linesUntilExit(String prefix, Duration timeout) throws IOException {
        List<String> found = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String line;
            try {
                line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new IOException("%s did not finish within %s; its output is in %s".formatted(name, timeout, log));
                }
                if (line.equals(END)) {
                    int status = process.waitFor();
                    if (status != 0) {
                        throw new IOException("%s failed (exit %d); its output is in %s".formatted(name, status, log));
                    }
                    return found;
                }
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + name, e);
            }
            if (line.startsWith(prefix)) {
                found.add(line.substring(prefix.length()));
            }
        }
    }

    @Override
    public void close() throws IOException {
        process.getOutputStream().close();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
        catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
