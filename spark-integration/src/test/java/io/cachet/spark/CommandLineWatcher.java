package io.cachet.spark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Records the command lines ({@code /proc/<pid>/cmdline}, as {@code ps} shows them to anyone on the
 * host) of every process this JVM starts, and what those start, while it runs: the Spark driver, the
 * Worker and the executors that come and go during a job. Each process is read on every pass, so one
 * caught between fork and exec is read again once it runs its own command.
 */
final class CommandLineWatcher implements AutoCloseable {
    record Seen(long pid, long parentPid, String commandLine) {}

    private final Map<Long, Seen> latest = new ConcurrentHashMap<>();
    private final Set<Seen> every = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private volatile boolean running = true;

    CommandLineWatcher() {
        thread = new Thread(this::watch, "command-line-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    private void watch() {
        while (running) {
            ProcessHandle.current().descendants().forEach(this::read);
            try {
                // Executors live for seconds at least (a JVM start alone takes longer): this cannot miss one.
                Thread.sleep(50);
            }
            catch (InterruptedException e) {
                return;
            }
        }
    }

    private void read(ProcessHandle process) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", String.valueOf(process.pid()), "cmdline"));
            String commandLine = new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').strip();
            // The parent is read after the command line: a process that exits in between has none any more,
            // and what was read of it on an earlier pass stays recorded rather than a parent of "unknown".
            Optional<ProcessHandle> parent = process.parent();
            if (!commandLine.isEmpty() && parent.isPresent()) {
                Seen seen = new Seen(process.pid(), parent.get().pid(), commandLine);
                latest.put(process.pid(), seen);
                every.add(seen);
            }
        }
        catch (IOException e) {
            // Gone already: what was read before stays recorded.
        }
    }

    /** The processes seen so far whose latest command line runs {@code mainClass}. */
    List<Seen> running(String mainClass) {
        return latest.values().stream().filter(entry -> entry.commandLine().contains(mainClass)).toList();
    }

    /** Every command line seen, each process's each one. */
    Collection<Seen> all() {
        return List.copyOf(every);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(TimeUnit.SECONDS.toMillis(30));
    }
}
