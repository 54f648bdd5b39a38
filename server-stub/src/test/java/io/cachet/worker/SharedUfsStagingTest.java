package io.cachet.worker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Workers sharing one under-file-system root each create their staging folder on their first write.
 * When two do it at the same moment, the later rename replaces the earlier, still empty, shared
 * staging folder under the first worker; when one worker's first writes start together, they must not
 * replace the worker's own folder under each other. Every write must go through.
 */
class SharedUfsStagingTest {
    @Test
    void twoWorkersStartingTheirFirstWritesAtOnceBothCommit(@TempDir Path directory) throws Exception {
        ExecutorService workers = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 200; round++) {
                Path root = Files.createDirectories(directory.resolve("root-" + round));
                List<UfsRoot> roots = List.of(UfsRoot.of(root.toString(), "worker-a"), UfsRoot.of(root.toString(), "worker-b"));
                CyclicBarrier start = new CyclicBarrier(2);
                List<Future<?>> writes = roots.stream().<Future<?>>map(ufs -> workers.submit(() -> {
                    start.await();
                    PendingWrite write = ufs.create("/file-of-" + ufs.hashCode(), true, false);
                    write.commit();
                    return null;
                })).toList();
                for (Future<?> write : writes) {
                    write.get(60, TimeUnit.SECONDS);
                }
                try (var files = Files.list(root)) {
                    assertThat(files.filter(file -> file.getFileName().toString().startsWith("file-of-"))).as("round %d", round).hasSize(2);
                }
                roots.forEach(UfsRoot::close);
            }
        }
        finally {
            workers.shutdownNow();
        }
    }

    @Test
    void oneWorkersFirstWritesStartingAtOnceAllCommit(@TempDir Path directory) throws Exception {
        ExecutorService writers = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 200; round++) {
                Path root = Files.createDirectories(directory.resolve("root-" + round));
                UfsRoot ufs = UfsRoot.of(root.toString(), "worker-a");
                CyclicBarrier start = new CyclicBarrier(4);
                List<Future<?>> writes = new ArrayList<>();
                for (int writer = 0; writer < 4; writer++) {
                    String name = "/file-" + writer;
                    writes.add(writers.submit(() -> {
                        start.await();
                        ufs.create(name, true, false).commit();
                        return null;
                    }));
                }
                for (Future<?> write : writes) {
                    write.get(60, TimeUnit.SECONDS);
                }
                try (var files = Files.list(root)) {
                    assertThat(files.filter(file -> file.getFileName().toString().startsWith("file-"))).as("round %d", round).hasSize(4);
                }
                ufs.close();
            }
        }
        finally {
            writers.shutdownNow();
        }
    }
}
