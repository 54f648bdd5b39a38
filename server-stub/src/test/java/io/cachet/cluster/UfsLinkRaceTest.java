package io.cachet.cluster;

import io.cachet.client.CachetClient;
import io.cachet.client.FileStatus;
import io.cachet.minicluster.MiniCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A local user with write access to the under-file-system flips a folder between a real directory
 * inside the root and a symbolic link to a directory outside it, while clients read, write, list and
 * delete through it. Not one byte from outside may come back, not one file may appear outside, and
 * the sentinel files outside stay as they were.
 */
@Timeout(300)
class UfsLinkRaceTest {
    private static final int FLIPS = 20_000;
    private static final long HOLD_NANOS = TimeUnit.MICROSECONDS.toNanos(300);
    private static final int OPERATIONS_PER_CLIENT = 400;
    private static final byte[] SENTINEL = "OUTSIDE-SENTINEL:never-served;".repeat(200).getBytes(StandardCharsets.US_ASCII);
    private static final byte[] INSIDE = "inside-content;".repeat(300).getBytes(StandardCharsets.US_ASCII);

    @RegisterExtension
    final ClusterFixture clusters = ClusterFixture.plaintext();

    @Test
    void aLinkFlippedInAndOutDuringReadsWritesListsAndDeletesNeverLeadsOut() throws Exception {
        Path outside = Files.createDirectories(clusters.directory().resolve("outside"));
        Files.write(outside.resolve("data.txt"), SENTINEL);
        Files.write(outside.resolve("passwd"), SENTINEL);
        Files.createDirectories(outside.resolve("nested"));
        Map<String, String> outsideBefore = snapshot(outside);

        MiniCluster cluster = clusters.start(builder -> builder.workers(2));
        Path flip = cluster.ufsRoot().resolve("flip");
        Path parked = cluster.ufsRoot().resolve("parked");
        Files.createDirectories(flip);
        Files.write(flip.resolve("data.txt"), INSIDE);

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger flips = new AtomicInteger();
        AtomicInteger readsServed = new AtomicInteger();
        AtomicInteger writesDone = new AtomicInteger();
        AtomicInteger listsServed = new AtomicInteger();
        List<String> leaks = Collections.synchronizedList(new ArrayList<>());
        ExecutorService threads = Executors.newFixedThreadPool(3);
        try {
            Future<?> flipper = threads.submit(() -> {
                for (int i = 0; i < FLIPS && !stop.get(); i++) {
                    Files.move(flip, parked, StandardCopyOption.ATOMIC_MOVE);
                    Files.createSymbolicLink(flip, outside);
                    // Each state holds a moment, so operations start in both and cross the flips.
                    LockSupport.parkNanos(HOLD_NANOS);
                    Files.delete(flip);
                    Files.move(parked, flip, StandardCopyOption.ATOMIC_MOVE);
                    flips.incrementAndGet();
                    LockSupport.parkNanos(HOLD_NANOS);
                }
                return null;
            });
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                int clientIndex = c;
                clients.add(threads.submit(() -> {
                    try (CachetClient client = cluster.newClient()) {
                        for (int i = 0; i < OPERATIONS_PER_CLIENT && !stop.get(); i++) {
                            String written = "/flip/w-" + clientIndex + "-" + i + ".txt";
                            try {
                                byte[] read = read(client, "/flip/data.txt");
                                readsServed.incrementAndGet();
                                if (!Arrays.equals(read, INSIDE)) {
                                    leaks.add("read returned " + read.length + " bytes that are not the inside file");
                                }
                            }
                            catch (IOException expected) {
                                // refused while the link was in place, or missing while parked
                            }
                            try (OutputStream out = client.create(written, true, false)) {
                                out.write(INSIDE);
                                writesDone.incrementAndGet();
                            }
                            catch (IOException expected) {
                                // refused or missing parent
                            }
                            try {
                                for (FileStatus status : client.list("/flip")) {
                                    if (status.path().endsWith("/passwd") || status.path().endsWith("/nested") || status.length() == SENTINEL.length) {
                                        leaks.add("listing showed " + status);
                                    }
                                }
                                listsServed.incrementAndGet();
                            }
                            catch (IOException expected) {
                                // refused or missing
                            }
                            try {
                                client.delete("/flip/passwd", false);
                                client.delete("/flip/data.txt.gone", false);
                                client.delete("/flip/w-" + clientIndex + "-" + (i - 3) + ".txt", false);
                            }
                            catch (IOException expected) {
                                // refused or missing
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> client : clients) {
                client.get(240, TimeUnit.SECONDS);
            }
            stop.set(true);
            flipper.get(60, TimeUnit.SECONDS);
        }
        finally {
            stop.set(true);
            threads.shutdownNow();
            threads.awaitTermination(30, TimeUnit.SECONDS);
        }

        assertThat(leaks).as("bytes or names from outside the root").isEmpty();
        assertThat(snapshot(outside)).as("outside the root: nothing added, changed or removed").isEqualTo(outsideBefore);
        assertThat(flips.get()).as("the link was flipped").isPositive();
        assertThat(readsServed.get()).as("reads went through while the folder was real").isPositive();
        assertThat(writesDone.get()).isPositive();
        assertThat(listsServed.get()).isPositive();
        System.out.printf("Link race: %d flips, %d reads served, %d writes, %d lists, 0 leaks%n", flips.get(), readsServed.get(), writesDone.get(), listsServed.get());
    }

    private static byte[] read(CachetClient client, String path) throws IOException {
        try (InputStream in = client.open(path)) {
            return in.readAllBytes();
        }
    }

    /** Every path below {@code directory} (links not followed) with its content as text; directories map to "". */
    private static Map<String, String> snapshot(Path directory) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path path : walk.toList()) {
                files.put(directory.relativize(path).toString(), Files.isRegularFile(path) ? Files.readString(path, StandardCharsets.ISO_8859_1) : "");
            }
        }
        return files;
    }
}
