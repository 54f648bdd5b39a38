package io.cachet.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Netty's leak detection in the JVMs a test starts. The build runs every test JVM with the detector at
 * its strictest and fails on a {@code LEAK:} line in the test's output; a child JVM prints elsewhere,
 * so a test passes this JVM's levels on ({@link ChildJvms}) and checks what the child printed.
 */
public final class LeakDetection {
    private static final String REPORT = "LEAK:";

    private LeakDetection() {}

    /** Fails when {@code output}, printed by {@code source}, holds a leak report. */
    public static void assertNoReports(String source, String output) {
        output.lines()
                .filter(line -> line.contains(REPORT))
                .findFirst()
                .ifPresent(line -> {
                    throw new AssertionError("%s reported a leaked buffer: %s%n%s".formatted(source, line, output));
                });
    }

    /** Fails when a child JVM's output file under {@code directory} ({@code stdout}, {@code stderr}, {@code *.log}, {@code *.out}, {@code *.err}) holds a leak report. */
    public static void assertNoReportsUnder(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.filter(Files::isRegularFile).filter(LeakDetection::isOutput).toList()) {
                assertNoReports(file.toString(), new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
            }
        }
    }

    private static boolean isOutput(Path file) {
        String name = file.getFileName().toString();
        return name.equals("stdout") || name.equals("stderr") || name.endsWith(".log") || name.endsWith(".out") || name.endsWith(".err");
    }
}
