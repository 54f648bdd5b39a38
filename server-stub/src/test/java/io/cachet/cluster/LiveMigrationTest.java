package io.cachet.cluster;

import io.cachet.client.CachetClient;
import io.cachet.minicluster.MiniCluster;
import io.cachet.tls.TestPki;
import io.cachet.tls.TlsHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A running cluster (coordinator and three workers, each a JVM of its own) moves from plaintext to
 * TLS and back by rolling restarts, under continuous client writes and verified reads:
 * none -> TLS material present -> transitional -> all -> transitional -> none. No client operation may
 * fail, no write may be lost or corrupted, and under "all" no plaintext connection is accepted.
 */
class LiveMigrationTest {
    @Test
    void plaintextToTlsAndBackWithoutAFailedOperation(@TempDir Path directory) throws Exception {
        TestPki pki = TestPki.create(directory, "Migration CA");
        Map<String, String> material = new HashMap<>(pki.nodeSettings(pki.server(TestPki.LOOPBACK_HOSTS)));
        material.put("cachet.network.tls.enabled", "false");
        Map<String, String> transitional = new HashMap<>(material);
        transitional.put("cachet.network.tls.internode.encryption", "transitional");
        Map<String, String> all = new HashMap<>(pki.nodeSettings(pki.server(TestPki.LOOPBACK_HOSTS)));
        Map<String, String> backToTransitional = new HashMap<>(all);
        backToTransitional.put("cachet.network.tls.internode.encryption", "transitional");

        try (MiniCluster cluster = MiniCluster.builder(directory.resolve("cluster")).workers(3).separateProcesses(true).start()) {
            String coordinator = "localhost:" + cluster.coordinatorPort();
            Load load = new Load(CachetClient.connect(TestPki.config(Map.of("cachet.coordinator.address", coordinator))));
            Thread worker = new Thread(load, "migration-load");
            worker.start();
            load.awaitOperations(50);

            rollingRestart(cluster, material, true);
            rollingRestart(cluster, transitional, true);
            Map<String, String> tlsClient = pki.trustSettings();
            tlsClient.put("cachet.coordinator.address", coordinator);
            load.switchTo(CachetClient.connect(TestPki.config(tlsClient)));
            rollingRestart(cluster, all, true);

            Map<String, String> plaintextClient = Map.of("cachet.coordinator.address", coordinator);
            assertThatThrownBy(() -> CachetClient.connect(TestPki.config(plaintextClient)))
                    .as("under all, plaintext is refused").isInstanceOf(TlsHandshakeException.class)
                    .hasMessageContaining("speaks TLS, and this client has TLS off");
            load.awaitOperations(load.operations() + 50);

            rollingRestart(cluster, backToTransitional, true);
            load.switchTo(CachetClient.connect(TestPki.config(plaintextClient)));
            // Downgrade: workers first, so nothing sends TLS to a node that no longer takes it.
            rollingRestart(cluster, Map.of(), false);

            load.awaitOperations(load.operations() + 50);
            load.stop();
            worker.join();

            System.out.printf("Live migration: %d operations (%d writes verified), worst pause %d ms, %d failures%n",
                    load.operations(), load.written.size(), load.worstPauseMillis.get(), load.failures.size());
            load.failures.stream().map(failure -> failure.replaceAll("file-\\d+", "file-N").replaceAll("[0-9a-f-]{36}", "ID").replaceAll(":\\d+", ":P"))
                    .collect(java.util.stream.Collectors.groupingBy(failure -> failure.substring(0, Math.min(160, failure.length())), java.util.stream.Collectors.counting()))
                    .forEach((failure, count) -> System.out.println(count + " x " + failure));
            assertThat(load.failures).as("failed client operations").isEmpty();
            try (CachetClient verifier = CachetClient.connect(TestPki.config(plaintextClient))) {
                for (Map.Entry<String, Integer> file : load.written.entrySet()) {
                    assertThat(ClusterFiles.read(verifier, file.getKey())).as(file.getKey()).isEqualTo(ClusterFiles.content(file.getKey(), file.getValue()));
                }
            }
            assertThat(load.written).hasSizeGreaterThan(100);
        }
    }

    /** Applies {@code properties} to every node, one at a time: coordinator first on the way up, last on the way down. */
    private static void rollingRestart(MiniCluster cluster, Map<String, String> properties, boolean coordinatorFirst) throws IOException {
        cluster.reconfigure(properties);
        if (coordinatorFirst) {
            cluster.restartCoordinator();
            cluster.awaitMembership(3, Duration.ofSeconds(60));
        }
        for (int i = 0; i < cluster.workers().size(); i++) {
            cluster.restartWorker(i);
        }
        if (!coordinatorFirst) {
            cluster.restartCoordinator();
            cluster.awaitMembership(3, Duration.ofSeconds(60));
        }
    }

    /** Writes new files and reads back earlier ones, verifying every byte, until stopped. */
    private static final class Load implements Runnable {
        final Map<String, Integer> written = new ConcurrentHashMap<>();
        final List<String> failures = new CopyOnWriteArrayList<>();
        final AtomicLong worstPauseMillis = new AtomicLong();
        private final AtomicReference<CachetClient> client;
        private final AtomicReference<CachetClient> pendingClient = new AtomicReference<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong operations = new AtomicLong();
        private final Random random = new Random(42);

        Load(CachetClient client) {
            this.client = new AtomicReference<>(client);
        }

        @Override
        public void run() {
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
                        String path = "/migration/file-" + next++;
                        int size = 1 + random.nextInt(300_000);
                        operation = "write " + path;
                        ClusterFiles.write(client.get(), path, size);
                        written.put(path, size);
                        paths.add(path);
                    }
                    else {
                        String path = paths.get(random.nextInt(paths.size()));
                        operation = "read " + path;
                        byte[] read = ClusterFiles.read(client.get(), path);
                        if (!java.util.Arrays.equals(read, ClusterFiles.content(path, written.get(path)))) {
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

        void awaitOperations(long count) throws InterruptedException {
            while (operations.get() < count && running.get()) {
                Thread.sleep(20);
            }
        }

        /** Moves the load to a new client at the next operation boundary. */
        void switchTo(CachetClient replacement) throws InterruptedException {
            pendingClient.set(replacement);
            while (pendingClient.get() != null && running.get()) {
                Thread.sleep(10);
            }
        }

        /** Stops after the operation in progress; the load thread then closes its client. */
        void stop() {
            running.set(false);
        }
    }
}
