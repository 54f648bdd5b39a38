package io.cachet.cluster;

import io.cachet.client.CachetClient;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Client traffic beside a cluster test: writes new files and reads back earlier ones, verifying every
 * byte, on a thread of its own until closed. Closing stops the thread and closes its client, also when
 * the test fails, so nothing outlives the test.
 */
final class ClusterLoad implements AutoCloseable {
    private final Map<String, Integer> written = new ConcurrentHashMap<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final AtomicLong worstPauseMillis = new AtomicLong();
    private final AtomicLong operations = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicReference<CachetClient> client;
    private final AtomicReference<CachetClient> pendingClient = new AtomicReference<>();
    private final String folder;
    private final Thread thread;

    private ClusterLoad(CachetClient client, String folder) {
        this.client = new AtomicReference<>(client);
        this.folder = folder;
        this.thread = new Thread(this::run, "cluster-load");
        this.thread.setDaemon(true);
    }

    /** Starts the load with {@code client} (which it closes) on files under {@code folder}. */
    static ClusterLoad start(CachetClient client, String folder) {
        ClusterLoad load = new ClusterLoad(client, folder);
        load.thread.start();
        return load;
    }

    private void run() {
        Random random = new Random(42);
        List<String> paths = new ArrayList<>();
        int next = 0;
        while (running.get()) {
            CachetClient replacement = pendingClient.getAndSet(null);
            if (replacement != null) {
                // Between operations, as an application would roll its clients.
                client.getAndSet(replacement).close();
            }
            long start = System.nanoTime();
            String operation = "";
            try {
                if (paths.isEmpty() || random.nextBoolean()) {
                    String path = folder + "/file-" + next++;
                    int size = 1 + random.nextInt(300_000);
                    operation = "write " + path;
                    ClusterFiles.write(client.get(), path, size);
                    written.put(path, size);
                    paths.add(path);
                }
                else {
                    String path = paths.get(random.nextInt(paths.size()));
                    operation = "read " + path;
                    if (!Arrays.equals(ClusterFiles.read(client.get(), path), ClusterFiles.content(path, written.get(path)))) {
                        failures.add("corrupt read of " + path);
                    }
                }
            }
            catch (IOException | RuntimeException e) {
                failures.add(operation + ": " + e);
            }
            worstPauseMillis.accumulateAndGet((System.nanoTime() - start) / 1_000_000, Math::max);
            operations.incrementAndGet();
        }
        client.get().close();
    }

    long operations() {
        return operations.get();
    }

    List<String> failures() {
        return failures;
    }

    Map<String, Integer> written() {
        return written;
    }

    long worstPauseMillis() {
        return worstPauseMillis.get();
    }

    void awaitOperations(long count) throws InterruptedException {
        while (operations.get() < count && thread.isAlive()) {
            Thread.sleep(20);
        }
    }

    /** Moves the load to a new client at the next operation boundary. */
    void switchTo(CachetClient replacement) throws InterruptedException {
        pendingClient.set(replacement);
        while (pendingClient.get() != null && thread.isAlive()) {
            Thread.sleep(10);
        }
    }

    /** Prints operations, worst pause and failures, grouped, for the closing notes of the tests that use it. */
    void report(String what) {
        System.out.printf("%s: %d operations (%d writes verified), worst pause %d ms, %d failures%n",
                what, operations(), written.size(), worstPauseMillis(), failures.size());
        failures.stream().map(failure -> failure.replaceAll("file-\\d+", "file-N").replaceAll("[0-9a-f-]{36}", "ID").replaceAll(":\\d+", ":P"))
                .collect(Collectors.groupingBy(failure -> failure.substring(0, Math.min(160, failure.length())), Collectors.counting()))
                .forEach((failure, count) -> System.out.println(count + " x " + failure));
    }

    /** Every file the load wrote reads back whole through {@code verifier}. */
    void verify(CachetClient verifier) throws IOException {
        for (Map.Entry<String, Integer> file : written.entrySet()) {
            assertThat(ClusterFiles.read(verifier, file.getKey())).as(file.getKey()).isEqualTo(ClusterFiles.content(file.getKey(), file.getValue()));
        }
    }

    /** Stops after the operation in progress and waits for the thread, which closes its client. */
    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join(TimeUnit.MINUTES.toMillis(2));
        CachetClient pending = pendingClient.getAndSet(null);
        if (pending != null) {
            pending.close();
        }
    }
}
