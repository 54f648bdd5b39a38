package io.cachet.hadoop;

import io.cachet.testing.ChildJvms;
import io.cachet.testing.LeakDetection;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Runs a main class in a fresh JVM with exactly the classpath given, the way a user's launcher would. */
final class JavaProcess {
    record Result(int exitCode, String out, String err) {}

    private JavaProcess() {}

    static Result run(List<Path> classpath, List<String> jvmOptions, String mainClass, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.addAll(ChildJvms.options());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(String.join(File.pathSeparator, classpath.stream().map(Path::toString).toList()));
        command.add(mainClass);
        command.addAll(args);
        Path out = Files.createTempFile("java-process", ".out");
        Path err = Files.createTempFile("java-process", ".err");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("Timed out: " + command);
        }
        Result result = new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        LeakDetection.assertNoReports(mainClass, result.out() + result.err());
        return result;
    }

    /** The jars in a directory built by the module (hadoop-client/, clash-jars/). */
    static List<Path> jars(String directoryProperty) throws IOException {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty(directoryProperty)))) {
            return files.filter(file -> file.toString().endsWith(".jar")).sorted().toList();
        }
    }

    static Path shadedJar() {
        return Path.of(System.getProperty("cachet.it.shaded.jar"));
    }
}
