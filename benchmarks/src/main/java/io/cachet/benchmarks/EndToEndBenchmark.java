package io.cachet.benchmarks;

import io.cachet.benchmarks.hadoop.HadoopApiBenchmark;
import io.cachet.certs.DevelopmentCertificates;
import io.cachet.certs.KeyAlgorithm;
import io.cachet.client.CachetClient;
import io.cachet.client.CachetInputStream;
import io.cachet.conf.CachetKeys;
import io.cachet.minicluster.MiniCluster;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * Starts a local cluster per configuration (plaintext, TLS with OpenSSL, TLS with the JDK) and measures,
 * through the real client over loopback: a large write, a cold read (pages filled from the
 * under-file-system), a cached sequential read, and 4 KiB open+read latency. Prints a table and the
 * TLS/plaintext ratios.
 */
@Command(name = "cachet-benchmark", mixinStandardHelpOptions = true, subcommands = HadoopApiBenchmark.class, description = "End-to-end Cachet throughput and latency.")
public final class EndToEndBenchmark implements Callable<Integer> {
    private static final int BUFFER = 1 << 20;

    @Option(names = "--size-mib", defaultValue = "1024", description = "Size of the large file in MiB (default: ${DEFAULT-VALUE}).")
    private int sizeMib;

    @Option(names = "--latency-iterations", defaultValue = "2000", description = "4 KiB open+read samples (default: ${DEFAULT-VALUE}).")
    private int latencyIterations;

    @Option(names = "--cached-passes", defaultValue = "3", description = "Cached sequential read passes; the best counts (default: ${DEFAULT-VALUE}).")
    private int cachedPasses;

    @Option(names = "--dir", description = "Working directory (default: a temporary one, deleted afterwards).")
    private Path directory;

    @Option(names = "--workers", defaultValue = "1", description = "Workers in the cluster (default: ${DEFAULT-VALUE}).")
    private int workers;

    record Result(String name, double writeMBps, double coldReadMBps, double cachedReadMBps, double p50Micros, double p99Micros) {}

    public static void main(String[] args) {
        System.exit(new CommandLine(new EndToEndBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path work = directory != null ? Files.createDirectories(directory) : Files.createTempDirectory("cachet-benchmark");
        System.out.printf("Cachet end-to-end benchmark: %d MiB file, %d worker(s), %d cores, Java %s, %s%n", sizeMib, workers,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), System.getProperty("os.arch"));
        DevelopmentCertificates.Layout certificates = DevelopmentCertificates.generate(work.resolve("certs"), List.of("localhost", "127.0.0.1"),
                Duration.ofDays(2), KeyAlgorithm.EC);
        Map<String, Map<String, String>> configurations = new LinkedHashMap<>();
        configurations.put("plaintext (zero-copy)", Map.of());
        configurations.put("TLS, OpenSSL", tls(certificates, "openssl"));
        configurations.put("TLS, JDK", tls(certificates, "jdk"));

        List<Result> results = new ArrayList<>();
        for (Map.Entry<String, Map<String, String>> configuration : configurations.entrySet()) {
            results.add(measure(configuration.getKey(), configuration.getValue(), work.resolve(configuration.getKey().replaceAll("[^a-zA-Z]", ""))));
        }
        print(results);
        if (directory == null) {
            FileTrees.delete(work);
        }
        return 0;
    }

    private Result measure(String name, Map<String, String> tls, Path clusterDirectory) throws IOException {
        Map<String, String> properties = new HashMap<>(tls);
        properties.put(CachetKeys.WORKER_CACHE_SIZE.name(), (2L * sizeMib + 64) + "MiB");
        properties.put(CachetKeys.CLIENT_READ_AHEAD.name(), "16MiB");
        System.out.printf("-- %s%n", name);
        try (MiniCluster cluster = MiniCluster.builder(clusterDirectory).workers(workers).properties(properties).start();
                CachetClient client = cluster.newClient()) {
            long size = (long) sizeMib << 20;
            byte[] chunk = new byte[BUFFER];
            new Random(42).nextBytes(chunk);

            long start = System.nanoTime();
            try (OutputStream out = client.create("/bench/large.bin", true, true)) {
                for (long written = 0; written < size; written += chunk.length) {
                    out.write(chunk);
                }
            }
            double write = mbps(size, System.nanoTime() - start);
            System.out.printf("   write        %8.0f MB/s%n", write);

            double cold = mbps(size, readAll(client, "/bench/large.bin", chunk));
            System.out.printf("   cold read    %8.0f MB/s%n", cold);
            double cached = 0;
            for (int pass = 0; pass < cachedPasses; pass++) {
                double pass_ = mbps(size, readAll(client, "/bench/large.bin", chunk));
                System.out.printf("   cached read  %8.0f MB/s (pass %d)%n", pass_, pass + 1);
                cached = Math.max(cached, pass_);
            }

            try (OutputStream out = client.create("/bench/small.bin", true, true)) {
                out.write(chunk, 0, 4096);
            }
            byte[] small = new byte[4096];
            for (int i = 0; i < 200; i++) {
                openAndRead(client, small);
            }
            long[] samples = new long[latencyIterations];
            for (int i = 0; i < latencyIterations; i++) {
                long begin = System.nanoTime();
                openAndRead(client, small);
                samples[i] = System.nanoTime() - begin;
            }
            Arrays.sort(samples);
            double p50 = samples[samples.length / 2] / 1000.0;
            double p99 = samples[(int) (samples.length * 0.99)] / 1000.0;
            System.out.printf("   4KiB open+read p50 %.0f us, p99 %.0f us%n", p50, p99);
            return new Result(name, write, cold, cached, p50, p99);
        }
    }

    private static long readAll(CachetClient client, String path, byte[] buffer) throws IOException {
        long start = System.nanoTime();
        try (CachetInputStream in = client.open(path)) {
            while (in.read(buffer, 0, buffer.length) >= 0) {
                // consume
            }
        }
        return System.nanoTime() - start;
    }

    private static void openAndRead(CachetClient client, byte[] buffer) throws IOException {
        try (CachetInputStream in = client.open("/bench/small.bin")) {
            in.readFully(0, buffer, 0, buffer.length);
        }
    }

    private static Map<String, String> tls(DevelopmentCertificates.Layout certificates, String provider) {
        Map<String, String> settings = new HashMap<>(certificates.serverSettings());
        settings.put(CachetKeys.TLS_PROVIDER.name(), provider);
        return settings;
    }

    private static double mbps(long bytes, long nanos) {
        return bytes / 1e6 / (nanos / 1e9);
    }

    private static void print(List<Result> results) {
        Result plaintext = results.get(0);
        System.out.println();
        System.out.printf("%-24s %12s %12s %14s %12s %12s %16s%n", "configuration", "write MB/s", "cold MB/s", "cached MB/s", "p50 us", "p99 us", "cached vs plain");
        for (Result result : results) {
            System.out.printf("%-24s %12.0f %12.0f %14.0f %12.0f %12.0f %15.2fx%n", result.name(), result.writeMBps(), result.coldReadMBps(),
                    result.cachedReadMBps(), result.p50Micros(), result.p99Micros(), result.cachedReadMBps() / plaintext.cachedReadMBps());
        }
    }

}
