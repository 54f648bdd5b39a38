package io.cachet.spark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Records the command line ({@code /proc/<pid>/cmdline}, as {@code ps} shows it to anyone on the host)
 * of every process this JVM starts, and what those start, while it runs: the Spark driver, the Worker
 * and the executors that come and go during a job.
 */
final class CommandLineWatcher implements AutoCloseable {
    record Seen(long pid, long parentPid, String commandLine) {}

    private final Map<Long, Seen> seen = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    CommandLineWatcher() {
        thread = new Thread(this::watch, "command-line-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    private void watch() {
        while (running) {
            ProcessHandle.current().descendants().forEach(process -> seen.computeIfAbsent(process.pid(), pid -> read(process)));
            seen.values().removeIf(entry -> entry.commandLine().isEmpty());
            try {
                // Executors live for seconds at least (a JVM start alone takes longer): this cannot miss one.
                Thread.sleep(50);
            }
            catch (InterruptedException e) {
                return;
            }
        }
    }

    private static Seen read(ProcessHandle process) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", String.valueOf(process.pid()), "cmdline"));
            String commandLine = new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').strip();
            return new Seen(process.pid(), process.parent().map(ProcessHandle::pid).orElse(-1L), commandLine);
        }
        catch (IOException e) {
            // Gone already, or not yet readable: looked at again on the next pass.
            return new Seen(process.pid(), -1, "");
        }
    }

    /** Every process seen so far whose command line runs {@code mainClass}. */
    List<Seen> running(String mainClass) {
        return seen.values().stream().filter(entry -> entry.commandLine().contains(mainClass)).toList();
    }

    Collection<Seen> all() {
        return seen.values();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(TimeUnit.SECONDS.toMillis(30));
    }
}
