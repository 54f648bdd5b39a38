package io.cachet.benchmarks.hadoop;

import io.cachet.benchmarks.FileTrees;
import io.cachet.certs.DevelopmentCertificates;
import io.cachet.certs.KeyAlgorithm;
import io.cachet.conf.CachetKeys;
import io.cachet.minicluster.MiniCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * Cachet against the HDFS it would sit in front of, through the Hadoop {@code FileSystem} API only:
 * each server set in JVMs of its own (a {@code MiniDFSCluster}, or a Cachet coordinator and workers),
 * the client in a JVM of its own with the Hadoop client jars and Cachet's shaded jar, the same
 * {@link HadoopWorkload} against every target, all in one run on one machine.
 */
@Command(name = "hadoop", mixinStandardHelpOptions = true,
        description = "Cachet (plaintext, TLS with OpenSSL, TLS with the JDK, over HDFS) vs HDFS (plaintext, encrypted) through the Hadoop FileSystem API.")
public final class HadoopApiBenchmark implements Callable<Integer> {
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration WORKLOAD_TIMEOUT = Duration.ofMinutes(30);
    // An HDFS client asks for AES by this key; without it, encrypted data transfer falls back to SASL's 3DES (about 10 MB/s).
    private static final String AES_SUITES = "dfs.encrypt.data.transfer.cipher.suites";
    private static final String AES = "AES/CTR/NoPadding";

    @Option(names = "--size-mib", defaultValue = "1024", description = "Size of the large file in MiB (default: ${DEFAULT-VALUE}).")
    private long sizeMib;

    @Option(names = "--passes", defaultValue = "5", description = "Warm sequential read passes; the median counts (default: ${DEFAULT-VALUE}).")
    private int passes;

    @Option(names = "--preads", defaultValue = "2000", description = "4 KiB positioned reads timed (default: ${DEFAULT-VALUE}).")
    private int preads;

    @Option(names = "--small-files", defaultValue = "10000", description = "Small files written and read (default: ${DEFAULT-VALUE}).")
    private int smallFiles;

    @Option(names = "--status-seconds", defaultValue = "5", description = "How long getFileStatus is timed, once its rate stops rising (default: ${DEFAULT-VALUE}).")
    private int statusSeconds;

    @Option(names = "--status-warmup-seconds", defaultValue = "90",
            description = "At most this long, getFileStatus runs untimed until its rate stops rising: the JIT compilers of every JVM are still at work on "
                    + "the status path for tens of seconds on two cores (default: ${DEFAULT-VALUE}).")
    private int statusWarmupSeconds;

    @Option(names = "--nodes", defaultValue = "2", description = "Cachet workers and HDFS DataNodes (default: ${DEFAULT-VALUE}).")
    private int nodes;

    @Option(names = "--targets", split = ",", description = "Targets to run (default: all): ${COMPLETION-CANDIDATES}.")
    private List<Target> targets = List.of(Target.values());

    @Option(names = "--out", defaultValue = "benchmarks/results", description = "Where the table (hadoop-api.md) and plot (hadoop-api.png) go (default: ${DEFAULT-VALUE}).")
    private Path out;

    @Option(names = "--shaded-jar", description = "Cachet's shaded Hadoop jar (default: hadoop-fs/target/cachet-hadoop-fs-*-shaded.jar).")
    private Path shadedJar;

    @Option(names = "--hadoop-client", defaultValue = "hadoop-fs/target/hadoop-client", description = "Folder of the Hadoop client jars (default: ${DEFAULT-VALUE}).")
    private Path hadoopClient;

    @Option(names = "--server-classpath",
            description = "Class path of the Cachet servers, to measure another build with the same harness (with --shaded-jar of that build; default: the benchmark's own).")
    private String serverClasspath;

    @Option(names = "--profile", description = "Profile every JVM with async-profiler (CPU) and write collapsed stacks and top frames here.")
    private Path profile;

    @Option(names = "--profile-event", defaultValue = "itimer",
            description = "What --profile samples: itimer (CPU, works without perf_events), cpu, or wall (where threads wait) (default: ${DEFAULT-VALUE}).")
    private String profileEvent;

    @Option(names = "--quick", description = "The data-plane hot path in about a minute, to catch regressions: Cachet plaintext and TLS (OpenSSL) only, "
            + "at most 256 MiB, 3 passes, 500 small files and 2 s of getFileStatus.")
    private boolean quick;

    @Option(names = "--dir", description = "Working folder (default: a temporary one, deleted afterwards).")
    private Path directory;

    @Override
    public Integer call() throws Exception {
        if (quick) {
            sizeMib = Math.min(sizeMib, 256);
            passes = Math.min(passes, 3);
            preads = Math.min(preads, 500);
            smallFiles = Math.min(smallFiles, 500);
            statusSeconds = Math.min(statusSeconds, 2);
            statusWarmupSeconds = Math.min(statusWarmupSeconds, 10);
            if (targets.size() == Target.values().length) {
                targets = List.of(Target.CACHET_PLAINTEXT, Target.CACHET_TLS_OPENSSL);
            }
        }
        Path work = directory != null ? Files.createDirectories(directory) : Files.createTempDirectory("cachet-hadoop-benchmark");
        Path jar = shadedJar != null ? shadedJar : findShadedJar();
        JvmLayout layout = new JvmLayout(jar, hadoopClient, serverClasspath != null ? serverClasspath : System.getProperty("java.class.path"),
                Profiler.create(profile, profileEvent));
        System.out.printf("Hadoop API benchmark: %d MiB, %d nodes, %d cores, Java %s; logs in %s%n", sizeMib, nodes,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), work);
        WorkloadSettings workload = new WorkloadSettings("", true, sizeMib, passes, preads, new int[] {1, 4, 16}, smallFiles, 64, 16, 16,
                statusWarmupSeconds * 1000L, statusSeconds * 1000L);
        DevelopmentCertificates.Layout certificates = DevelopmentCertificates.generate(work.resolve("certs"), List.of("localhost", "127.0.0.1"),
                Duration.ofDays(30), KeyAlgorithm.EC);

        Map<Target, Map<String, Double>> results = new LinkedHashMap<>();
        ChildJvm encryptedHdfs = null;
        String encryptedHdfsUri = null;
        try {
            for (Target target : targets) {
                System.out.printf("-- %s%n", target.label());
                Path targetDir = Files.createDirectories(work.resolve(target.name().toLowerCase()));
                Map<String, Double> measured;
                switch (target) {
                    case HDFS_PLAINTEXT -> {
                        try (ChildJvm hdfs = startHdfs(layout, targetDir, false)) {
                            String uri = hdfs.awaitLine(HdfsServer.READY, START_TIMEOUT);
                            measured = runWorkload(layout, target, targetDir, workload.withUri(uri), Map.of());
                        }
                    }
                    case HDFS_ENCRYPTED -> {
                        // Stays up: the Cachet-over-HDFS target reads what this one wrote.
                        encryptedHdfs = startHdfs(layout, targetDir, true);
                        encryptedHdfsUri = encryptedHdfs.awaitLine(HdfsServer.READY, START_TIMEOUT);
                        measured = runWorkload(layout, target, targetDir, workload.withUri(encryptedHdfsUri), Map.of(AES_SUITES, AES));
                    }
                    case CACHET_OVER_HDFS -> {
                        if (encryptedHdfsUri == null) {
                            throw new IllegalArgumentException(target + " reads the file " + Target.HDFS_ENCRYPTED + " wrote: run both");
                        }
                        Map<String, String> server = cachetServer(certificates, "openssl");
                        server.put(CachetKeys.WORKER_UFS_URI.name(), encryptedHdfsUri);
                        server.put(CachetKeys.WORKER_UFS_CONF_PREFIX + AES_SUITES, AES);
                        try (MiniCluster cluster = startCachet(layout, targetDir, server)) {
                            measured = runWorkload(layout, target, targetDir, workload.readOnly(cachetUri(cluster)), cachetClient(cluster, certificates, "openssl"));
                        }
                    }
                    default -> {
                        String provider = target == Target.CACHET_TLS_JDK ? "jdk" : "openssl";
                        Map<String, String> server = target == Target.CACHET_PLAINTEXT ? new HashMap<>() : cachetServer(certificates, provider);
                        server.put(CachetKeys.WORKER_CACHE_SIZE.name(), (2 * sizeMib + 1024) + "MiB");
                        try (MiniCluster cluster = startCachet(layout, targetDir, server)) {
                            Map<String, String> client = target == Target.CACHET_PLAINTEXT ? Map.of(CachetKeys.COORDINATOR_ADDRESS.name(), "localhost:" + cluster.coordinatorPort())
                                    : cachetClient(cluster, certificates, provider);
                            measured = runWorkload(layout, target, targetDir, workload.withUri(cachetUri(cluster)), client);
                        }
                    }
                }
                results.put(target, measured);
                measured.forEach((name, value) -> System.out.printf("   %-26s %12.1f%n", name, value));
            }
        }
        finally {
            if (encryptedHdfs != null) {
                encryptedHdfs.close();
            }
        }
        double opensslSpeed = OpenSslSpeed.aes128GcmBytesPerSecond() / 1e6;
        ResultReport report = new ResultReport(results, opensslSpeed, sizeMib, nodes, LocalDate.now());
        Files.createDirectories(out);
        String markdown = report.markdown();
        System.out.println();
        System.out.println(markdown);
        try (Writer writer = Files.newBufferedWriter(out.resolve("hadoop-api.md"))) {
            writer.write(markdown);
        }
        ResultPlot.write(report, out.resolve("hadoop-api.png"));
        System.out.printf("Table: %s, plot: %s%n", out.resolve("hadoop-api.md"), out.resolve("hadoop-api.png"));
        layout.profiler().summarize();
        if (directory == null) {
            FileTrees.delete(work);
        }
        return 0;
    }

    private ChildJvm startHdfs(JvmLayout layout, Path directory, boolean encrypted) throws IOException {
        return ChildJvm.start("HDFS " + (encrypted ? "encrypted" : "plaintext"), layout.serverOptions("hdfs", directory), System.getProperty("java.class.path"),
                HdfsServer.class.getName(), List.of(directory.resolve("data").toString(), String.valueOf(nodes), encrypted ? "encrypted" : "plaintext"),
                directory.resolve("hdfs.log"));
    }

    private MiniCluster startCachet(JvmLayout layout, Path directory, Map<String, String> server) throws IOException {
        return MiniCluster.builder(directory.resolve("cluster"))
                .workers(nodes)
                .separateProcesses(true)
                .serverClasspath(layout.cachetServerClasspath())
                .serverJvmOptions(layout.serverOptions("cachet-node", directory))
                .properties(server)
                .start();
    }

    private Map<String, Double> runWorkload(JvmLayout layout, Target target, Path directory, WorkloadSettings workload, Map<String, String> clientConf)
            throws IOException {
        Properties properties = new Properties();
        workload.writeTo(properties);
        clientConf.forEach((key, value) -> properties.setProperty(HadoopWorkload.CONF_PREFIX + key, value));
        Path file = directory.resolve("workload.properties");
        try (Writer writer = Files.newBufferedWriter(file)) {
            properties.store(writer, "HadoopWorkload for " + target.label());
        }
        try (ChildJvm client = ChildJvm.start(target.label() + " client", layout.clientOptions(directory), layout.clientClasspath(directory),
                HadoopWorkload.class.getName(), List.of(file.toString()), directory.resolve("client.log"))) {
            Map<String, Double> measured = new LinkedHashMap<>();
            for (String line : client.linesUntilExit(HadoopWorkload.RESULT, WORKLOAD_TIMEOUT)) {
                String[] parts = line.split(" ");
                measured.put(parts[0], Double.parseDouble(parts[1]));
            }
            return measured;
        }
    }

    private Map<String, String> cachetServer(DevelopmentCertificates.Layout certificates, String provider) {
        Map<String, String> settings = new HashMap<>(certificates.serverSettings());
        settings.put(CachetKeys.TLS_PROVIDER.name(), provider);
        return settings;
    }

    private static Map<String, String> cachetClient(MiniCluster cluster, DevelopmentCertificates.Layout certificates, String provider) {
        // What a user gives a Hadoop client: the trust store (password in a file) and the provider, nothing of the servers'.
        Map<String, String> settings = new HashMap<>(certificates.clientSettings());
        settings.put(CachetKeys.TLS_PROVIDER.name(), provider);
        settings.put(CachetKeys.COORDINATOR_ADDRESS.name(), "localhost:" + cluster.coordinatorPort());
        return settings;
    }

    private static String cachetUri(MiniCluster cluster) {
        return "cachet://localhost:" + cluster.coordinatorPort() + "/";
    }

    private static Path findShadedJar() throws IOException {
        try (var files = Files.list(Path.of("hadoop-fs", "target"))) {
            return files.filter(file -> file.getFileName().toString().matches("cachet-hadoop-fs-.*-shaded\\.jar")).findFirst()
                    .orElseThrow(() -> new IOException("No hadoop-fs/target/cachet-hadoop-fs-*-shaded.jar: build it (./mvnw -DskipTests install -pl hadoop-fs -am) "
                            + "or name it with --shaded-jar"));
        }
    }

    /** What the benchmark runs, in the order it runs them. */
    enum Target {
        HDFS_PLAINTEXT("HDFS plaintext"),
        HDFS_ENCRYPTED("HDFS encrypted"),
        CACHET_PLAINTEXT("Cachet plaintext"),
        CACHET_TLS_OPENSSL("Cachet TLS (OpenSSL)"),
        CACHET_TLS_JDK("Cachet TLS (JDK)"),
        CACHET_OVER_HDFS("Cachet TLS over HDFS encrypted");

        private final String label;

        Target(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }
    }
}
