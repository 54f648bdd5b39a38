package io.cachet.benchmarks.hadoop;

import io.cachet.benchmarks.hadoop.HadoopApiBenchmark.Target;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The benchmark's table: every target's measures, and the ratios the performance goals are set in. */
final class ResultReport {
    /** A measure as the table shows it. */
    record Measure(String key, String title, String format) {}

    /** A goal: {@code numerator's measure / denominator's measure}, at least (or, for latency, at most) {@code goal}. */
    record Ratio(String title, Target numerator, Target denominator, String key, double goal, boolean atMost) {}

    static final List<Measure> MEASURES = List.of(
            new Measure("write_mbps", "write MB/s", "%.0f"),
            new Measure("cold_mbps", "cold read MB/s", "%.0f"),
            new Measure("warm_mbps", "warm read MB/s (median)", "%.0f"),
            new Measure("pread_p50_us", "4 KiB pread p50 µs", "%.0f"),
            new Measure("pread_p99_us", "4 KiB pread p99 µs", "%.0f"),
            new Measure("status_ops", "getFileStatus ops/s (16 threads)", "%.0f"),
            new Measure("readers_1_mbps", "1 reader MB/s", "%.0f"),
            new Measure("readers_4_mbps", "4 readers MB/s", "%.0f"),
            new Measure("readers_16_mbps", "16 readers MB/s", "%.0f"),
            new Measure("small_write_files_per_s", "64 KiB files written/s (16 threads)", "%.0f"),
            new Measure("small_read_files_per_s", "64 KiB files read/s (16 threads)", "%.0f"));

    static final List<Ratio> RATIOS = List.of(
            new Ratio("warm read, Cachet TLS / HDFS encrypted", Target.CACHET_TLS_OPENSSL, Target.HDFS_ENCRYPTED, "warm_mbps", 3, false),
            new Ratio("warm read, Cachet TLS / Cachet plaintext", Target.CACHET_TLS_OPENSSL, Target.CACHET_PLAINTEXT, "warm_mbps", 0.8, false),
            new Ratio("warm read, Cachet plaintext / HDFS plaintext", Target.CACHET_PLAINTEXT, Target.HDFS_PLAINTEXT, "warm_mbps", 1.2, false),
            new Ratio("cold read, Cachet TLS / HDFS encrypted", Target.CACHET_TLS_OPENSSL, Target.HDFS_ENCRYPTED, "cold_mbps", 1.5, false),
            new Ratio("4 KiB pread p50, Cachet TLS / HDFS encrypted", Target.CACHET_TLS_OPENSSL, Target.HDFS_ENCRYPTED, "pread_p50_us", 0.7, true),
            new Ratio("getFileStatus ops/s, Cachet TLS / HDFS encrypted", Target.CACHET_TLS_OPENSSL, Target.HDFS_ENCRYPTED, "status_ops", 1.5, false),
            new Ratio("getFileStatus ops/s, Cachet TLS / HDFS plaintext", Target.CACHET_TLS_OPENSSL, Target.HDFS_PLAINTEXT, "status_ops", 1.5, false),
            new Ratio("write, Cachet TLS / HDFS encrypted", Target.CACHET_TLS_OPENSSL, Target.HDFS_ENCRYPTED, "write_mbps", 2, false),
            new Ratio("cold read, Cachet TLS over HDFS / HDFS encrypted", Target.CACHET_OVER_HDFS, Target.HDFS_ENCRYPTED, "cold_mbps", 1.5, false),
            new Ratio("warm read, Cachet TLS over HDFS / HDFS encrypted", Target.CACHET_OVER_HDFS, Target.HDFS_ENCRYPTED, "warm_mbps", 3, false));

    static final double OPENSSL_GOAL = 0.4;

    private final Map<Target, Map<String, Double>> results;
    private final double opensslMBps;
    private final long sizeMib;
    private final int nodes;
    private final LocalDate date;

    ResultReport(Map<Target, Map<String, Double>> results, double opensslMBps, long sizeMib, int nodes, LocalDate date) {
        this.results = results;
        this.opensslMBps = opensslMBps;
        this.sizeMib = sizeMib;
        this.nodes = nodes;
        this.date = date;
    }

    Map<Target, Map<String, Double>> results() {
        return results;
    }

    double value(Target target, String key) {
        return results.getOrDefault(target, Map.of()).getOrDefault(key, Double.NaN);
    }

    /** Each goal's measured ratio, in {@link #RATIOS} order, and the warm TLS read against one core of AES-128-GCM last. */
    List<Double> ratios() {
        List<Double> ratios = new ArrayList<>();
        for (Ratio ratio : RATIOS) {
            ratios.add(value(ratio.numerator(), ratio.key()) / value(ratio.denominator(), ratio.key()));
        }
        ratios.add(value(Target.CACHET_TLS_OPENSSL, "warm_mbps") / opensslMBps);
        return ratios;
    }

    String markdown() {
        StringBuilder out = new StringBuilder();
        out.append("Hadoop FileSystem API, %d MiB file, %d workers / %d DataNodes, %d cores, Java %s, %s%n%n".formatted(sizeMib, nodes, nodes,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), date));
        out.append("| target |");
        MEASURES.forEach(measure -> out.append(' ').append(measure.title()).append(" |"));
        out.append("\n|---|");
        MEASURES.forEach(measure -> out.append("---|"));
        out.append('\n');
        for (Target target : results.keySet()) {
            out.append("| ").append(target.label()).append(" |");
            for (Measure measure : MEASURES) {
                double value = value(target, measure.key());
                out.append(' ').append(Double.isNaN(value) ? "–" : measure.format().formatted(value)).append(" |");
            }
            out.append('\n');
        }
        out.append("\n| | ratio | measured | goal | met |\n|---|---|---|---|---|\n");
        List<Double> ratios = ratios();
        for (int i = 0; i < RATIOS.size(); i++) {
            Ratio ratio = RATIOS.get(i);
            out.append(row(i + 1, ratio.title(), ratios.get(i), ratio.goal(), ratio.atMost()));
        }
        out.append(row(ratios.size(), "warm read, Cachet TLS / one core of `openssl speed -evp aes-128-gcm` (%.0f MB/s)".formatted(opensslMBps),
                ratios.get(ratios.size() - 1), OPENSSL_GOAL, false));
        return out.toString();
    }

    /** A goal's row, named G1, G2... as in the plot. */
    private static String row(int number, String title, double measured, double goal, boolean atMost) {
        String goalText = Double.isNaN(goal) ? "–" : (atMost ? "≤ " : "≥ ") + "%.1f×".formatted(goal);
        String met = Double.isNaN(goal) || Double.isNaN(measured) ? "–" : (atMost ? measured <= goal : measured >= goal) ? "yes" : "no";
        return "| G%d | %s | %s | %s | %s |%n".formatted(number, title, Double.isNaN(measured) ? "–" : "%.2f×".formatted(measured), goalText, met);
    }
}
