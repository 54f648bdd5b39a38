package io.cachet.benchmarks.hadoop;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The client side of the Hadoop API benchmark, in a JVM of its own whose class path is what a user
 * has: the Hadoop client jars and, for {@code cachet://}, Cachet's shaded jar. It uses nothing but
 * {@link FileSystem}, so every target is driven by the same code. Every read checks its bytes.
 * Results go to standard output as {@code RESULT name value} lines for {@link HadoopApiBenchmark}.
 */
public final class HadoopWorkload {
    static final String RESULT = "RESULT ";
    static final String CONF_PREFIX = "conf.";

    private static final String LARGE = "/bench/large.bin";
    private static final String SMALL_DIR = "/bench/small";
    private static final long SMALL_STAMP = 1L << 40;

    private static final long WARMUP_WINDOW_MILLIS = 3000;

    private final FileSystem fs;
    private final WorkloadSettings settings;
    private final FilePattern pattern = new FilePattern();

    private HadoopWorkload(FileSystem fs, WorkloadSettings settings) {
        this.fs = fs;
        this.settings = settings;
    }

    public static void main(String[] args) throws Exception {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(java.nio.file.Path.of(args[0]))) {
            properties.load(reader);
        }
        WorkloadSettings settings = WorkloadSettings.from(properties);
        Configuration conf = new Configuration();
        for (String name : properties.stringPropertyNames()) {
            if (name.startsWith(CONF_PREFIX)) {
                conf.set(name.substring(CONF_PREFIX.length()), properties.getProperty(name));
            }
        }
        // A fresh instance: the benchmark measures this client, not one another caller configured.
        try (FileSystem fs = FileSystem.newInstance(URI.create(settings.uri()), conf)) {
            new HadoopWorkload(fs, settings).run();
        }
        System.exit(0);
    }

    private void run() throws Exception {
        long size = settings.sizeMib() << 20;
        Path large = new Path(LARGE);
        if (settings.writeFiles()) {
            fs.delete(new Path("/bench"), true);
            fs.mkdirs(new Path(SMALL_DIR));
            result("write_mbps", mbps(size, write(large, size)));
        }
        else if (fs.getFileStatus(large).getLen() != size) {
            throw new IOException(LARGE + " does not have the expected " + size + " bytes");
        }
        result("cold_mbps", mbps(size, readSequential(large, 0, size)));
        double[] warm = new double[settings.passes()];
        for (int pass = 0; pass < warm.length; pass++) {
            warm[pass] = mbps(size, readSequential(large, 0, size));
            progress("warm pass %d: %.0f MB/s", pass + 1, warm[pass]);
        }
        result("warm_mbps", median(warm));
        preads(large, size);
        if (!settings.writeFiles()) {
            return;
        }
        for (int readers : settings.readers()) {
            result("readers_" + readers + "_mbps", mbps(size, concurrentReads(large, size, readers)));
        }
        if (settings.smallFiles() > 0) {
            smallFiles();
        }
        result("status_ops", statusThroughput(settings.smallFiles() > 0 ? smallFile(0) : large));
    }

    private long write(Path file, long size) throws IOException {
        byte[] buffer = new byte[FilePattern.BLOCK];
        long start = System.nanoTime();
        try (FSDataOutputStream out = fs.create(file, true)) {
            for (long written = 0; written < size; written += buffer.length) {
                pattern.fill(0, written, buffer, buffer.length);
                out.write(buffer);
            }
        }
        return System.nanoTime() - start;
    }

    private long readSequential(Path file, long from, long to) throws IOException {
        byte[] buffer = new byte[FilePattern.BLOCK];
        long start = System.nanoTime();
        try (FSDataInputStream in = fs.open(file)) {
            if (from > 0) {
                in.seek(from);
            }
            long position = from;
            while (position < to) {
                int read = in.read(buffer, 0, (int) Math.min(buffer.length, to - position));
                if (read < 0) {
                    throw new IOException("%s ended at %d, before %d".formatted(file, position, to));
                }
                pattern.verify(0, position, buffer, 0, read, file.toString());
                position += read;
            }
        }
        return System.nanoTime() - start;
    }

    private void preads(Path file, long size) throws IOException {
        byte[] buffer = new byte[4096];
        SplittableRandom random = new SplittableRandom(7);
        long[] samples = new long[settings.preads()];
        try (FSDataInputStream in = fs.open(file)) {
            for (int i = -settings.preads() / 10; i < samples.length; i++) {
                long position = random.nextLong(size - buffer.length);
                long start = System.nanoTime();
                in.readFully(position, buffer, 0, buffer.length);
                long elapsed = System.nanoTime() - start;
                pattern.verify(0, position, buffer, 0, buffer.length, file.toString());
                if (i >= 0) {
                    samples[i] = elapsed;
                }
            }
        }
        Arrays.sort(samples);
        result("pread_p50_us", samples[samples.length / 2] / 1e3);
        result("pread_p99_us", samples[(int) (samples.length * 0.99)] / 1e3);
    }

    /** {@code readers} threads, each reading its own slice of the file on its own stream; returns the wall time. */
    private long concurrentReads(Path file, long size, int readers) throws Exception {
        List<Callable<Long>> slices = new ArrayList<>();
        long slice = size / readers;
        for (int i = 0; i < readers; i++) {
            long from = i * slice;
            long to = i == readers - 1 ? size : from + slice;
            slices.add(() -> readSequential(file, from, to));
        }
        long start = System.nanoTime();
        runAll(slices, readers);
        return System.nanoTime() - start;
    }

    private void smallFiles() throws Exception {
        int count = settings.smallFiles();
        int threads = settings.smallFileThreads();
        long start = System.nanoTime();
        runAll(tasks(count, threads, index -> {
            byte[] buffer = new byte[settings.smallFileKib() << 10];
            pattern.fill(SMALL_STAMP + index, 0, buffer, buffer.length);
            try (FSDataOutputStream out = fs.create(smallFile(index), true)) {
                out.write(buffer);
            }
        }), threads);
        result("small_write_files_per_s", count / ((System.nanoTime() - start) / 1e9));
        start = System.nanoTime();
        runAll(tasks(count, threads, index -> {
            byte[] buffer = new byte[settings.smallFileKib() << 10];
            try (FSDataInputStream in = fs.open(smallFile(index))) {
                in.readFully(0, buffer, 0, buffer.length);
            }
            pattern.verify(SMALL_STAMP + index, 0, buffer, 0, buffer.length, smallFile(index).toString());
        }), threads);
        result("small_read_files_per_s", count / ((System.nanoTime() - start) / 1e9));
    }

    private double statusThroughput(Path file) throws Exception {
        long expected = fs.getFileStatus(file).getLen();
        int threads = settings.statusThreads();
        LongAdder calls = new LongAdder();
        AtomicBoolean counting = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        List<Callable<Long>> loops = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            loops.add(() -> {
                int index = thread;
                while (!stop.get()) {
                    // Many paths, so the calls spread over the workers as a query planner's would.
                    Path path = settings.smallFiles() > 0 ? smallFile(index++ % settings.smallFiles()) : file;
                    FileStatus status = fs.getFileStatus(path);
                    if (status.getLen() != expected) {
                        throw new IOException("%s has length %d, not %d".formatted(path, status.getLen(), expected));
                    }
                    if (counting.get()) {
                        calls.increment();
                    }
                }
                return 0L;
            });
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Long>> running = loops.stream().map(pool::submit).toList();
            warmUp(calls, counting);
            calls.reset();
            counting.set(true);
            long start = System.nanoTime();
            Thread.sleep(settings.statusMillis());
            counting.set(false);
            long elapsed = System.nanoTime() - start;
            stop.set(true);
            for (Future<Long> loop : running) {
                loop.get();
            }
            return calls.sum() / (elapsed / 1e9);
        }
        finally {
            pool.shutdownNow();
        }
    }

    /**
     * Lets the loops run untimed until their rate stops rising, at most the warm-up time: every JVM's JIT compilers
     * work on the status path for tens of seconds on two cores, and a rate taken before they are done measures them.
     * Rising means a window of {@value #WARMUP_WINDOW_MILLIS} ms more than 5% faster than every window before it.
     */
    private void warmUp(LongAdder calls, AtomicBoolean counting) throws InterruptedException {
        counting.set(true);
        long deadline = System.nanoTime() + settings.statusWarmupMillis() * 1_000_000L;
        double best = 0;
        int windows = 0;
        int flat = 0;
        while (System.nanoTime() < deadline && flat < 2) {
            calls.reset();
            long start = System.nanoTime();
            Thread.sleep(WARMUP_WINDOW_MILLIS);
            double rate = calls.sum() / ((System.nanoTime() - start) / 1e9);
            windows++;
            flat = rate > best * 1.05 ? 0 : flat + 1;
            best = Math.max(best, rate);
        }
        counting.set(false);
        progress("getFileStatus warm-up: %d s, best window %.0f ops/s", windows * WARMUP_WINDOW_MILLIS / 1000, best);
    }

    private Path smallFile(int index) {
        return new Path(SMALL_DIR + "/part-%05d.bin".formatted(index));
    }

    private interface FileTask {
        void run(int index) throws IOException;
    }

    private static List<Callable<Long>> tasks(int count, int threads, FileTask task) {
        List<Callable<Long>> tasks = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            tasks.add(() -> {
                for (int index = first; index < count; index += threads) {
                    task.run(index);
                }
                return 0L;
            });
        }
        return tasks;
    }

    private static void runAll(List<Callable<Long>> tasks, int threads) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (Future<Long> future : pool.invokeAll(tasks)) {
                future.get();
            }
        }
        finally {
            pool.shutdownNow();
            pool.awaitTermination(1, TimeUnit.MINUTES);
        }
    }

    private static double mbps(long bytes, long nanos) {
        return bytes / 1e6 / (nanos / 1e9);
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static void result(String name, double value) {
        System.out.println(RESULT + name + " " + value);
        System.out.flush();
    }

    private static void progress(String format, Object... arguments) {
        System.err.println("   " + format.formatted(arguments));
    }
}
