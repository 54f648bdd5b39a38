package io.cachet.benchmarks.hadoop;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU profiles of every benchmark JVM with async-profiler (its agent from the Maven Central jar):
 * collapsed stacks per JVM, written when the JVM ends, then summed into each JVM's top frames.
 */
final class Profiler {
    private static final String LIBRARY = "linux-x64/libasyncProfiler.so";
    private static final int TOP = 15;

    private final Path directory;
    private final Path library;
    private final String event;

    private Profiler(Path directory, Path library, String event) {
        this.directory = directory;
        this.library = library;
        this.event = event;
    }

    /** A profiler writing into {@code directory}, or one that does nothing when it is null. */
    static Profiler create(Path directory, String event) throws IOException {
        if (directory == null) {
            return new Profiler(null, null, event);
        }
        Files.createDirectories(directory);
        Path library = directory.resolve("libasyncProfiler.so");
        try (InputStream in = one.profiler.AsyncProfiler.class.getClassLoader().getResourceAsStream(LIBRARY)) {
            if (in == null) {
                throw new IOException("The async-profiler jar has no " + LIBRARY);
            }
            Files.copy(in, library, StandardCopyOption.REPLACE_EXISTING);
        }
        return new Profiler(directory, library, event);
    }

    /** The JVM options that profile a JVM named {@code name}; none when profiling is off. */
    List<String> agentOptions(String name) {
        if (directory == null) {
            return List.of();
        }
        // %p keeps the JVMs of one role apart.
        return List.of("-agentpath:%s=start,event=%s,interval=1ms,collapsed,file=%s".formatted(library, event, directory.resolve(name + "-%p.collapsed")));
    }

    /** Writes and prints each JVM's hottest frames: self time (where the CPU was) by method. */
    void summarize() throws IOException {
        if (directory == null) {
            return;
        }
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.filter(path -> path.toString().endsWith(".collapsed")).sorted().toList()) {
                String summary = topFrames(file);
                Files.writeString(file.resolveSibling(file.getFileName().toString().replace(".collapsed", ".top.txt")), summary);
                System.out.println(summary);
            }
        }
    }

    private static String topFrames(Path collapsed) throws IOException {
        Map<String, Long> self = new HashMap<>();
        long total = 0;
        for (String line : Files.readAllLines(collapsed)) {
            int space = line.lastIndexOf(' ');
            if (space < 0) {
                continue;
            }
            long samples = Long.parseLong(line.substring(space + 1));
            String stack = line.substring(0, space);
            String leaf = stack.substring(stack.lastIndexOf(';') + 1);
            self.merge(leaf, samples, Long::sum);
            total += samples;
        }
        StringBuilder out = new StringBuilder("%s: %d samples (1 ms of each thread's time with wall, of CPU otherwise), top self frames%n"
                .formatted(collapsed.getFileName(), total));
        long all = total;
        self.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(TOP)
                .forEach(entry -> out.append("  %5.1f%%  %s%n".formatted(100.0 * entry.getValue() / all, entry.getKey())));
        return out.toString();
    }
}
