package io.cachet.benchmarks.hadoop;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The class paths and options of the benchmark's JVMs. Servers run on the benchmark's own class path (or,
 * for Cachet, another build's, to compare two builds with one harness);
 * the client gets only what a Hadoop user has (the Hadoop client jars and Cachet's shaded jar) plus the
 * workload's own classes, copied out of the benchmark jar so that the jar's {@code lib/} stays out.
 */
record JvmLayout(Path shadedJar, Path hadoopClient, String cachetServerClasspath, Profiler profiler) {
    private static final String WORKLOAD_PACKAGE = HadoopWorkload.class.getPackageName().replace('.', '/') + "/";

    List<String> serverOptions(String name, Path directory) {
        List<String> options = new ArrayList<>(List.of("-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
        options.addAll(profiler.agentOptions(directory.getFileName() + "-" + name));
        return options;
    }

    List<String> clientOptions(Path directory) {
        List<String> options = new ArrayList<>(List.of("-Xmx2g", "--enable-native-access=ALL-UNNAMED", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
        options.addAll(profiler.agentOptions(directory.getFileName() + "-client"));
        return options;
    }

    /** The shaded jar, the Hadoop client jars and the workload's classes (extracted into {@code directory}). */
    String clientClasspath(Path directory) throws IOException {
        List<String> entries = new ArrayList<>();
        entries.add(shadedJar.toAbsolutePath().toString());
        try (Stream<Path> jars = Files.list(hadoopClient)) {
            jars.filter(jar -> jar.toString().endsWith(".jar")).sorted().forEach(jar -> entries.add(jar.toAbsolutePath().toString()));
        }
        if (entries.size() == 1) {
            throw new IOException("No Hadoop client jars in " + hadoopClient + ": build hadoop-fs (./mvnw -DskipTests install -pl hadoop-fs -am)");
        }
        entries.add(workloadClasses(directory).toString());
        return String.join(java.io.File.pathSeparator, entries);
    }

    private static Path workloadClasses(Path directory) throws IOException {
        Path source;
        try {
            source = Path.of(HadoopWorkload.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        }
        catch (URISyntaxException e) {
            throw new IOException(e);
        }
        if (Files.isDirectory(source)) {
            return source;
        }
        Path target = Files.createDirectories(directory.resolve("workload-classes"));
        try (JarFile jar = new JarFile(source.toFile())) {
            for (JarEntry entry : jar.stream().filter(entry -> entry.getName().startsWith(WORKLOAD_PACKAGE) && !entry.isDirectory()).toList()) {
                Path file = target.resolve(entry.getName());
                Files.createDirectories(file.getParent());
                try (InputStream in = jar.getInputStream(entry)) {
                    Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return target;
    }
}
