package io.cachet.routing;

import io.cachet.transfer.TransferProtocol;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class HashRingTest {
    private static final List<String> PATHS = IntStream.range(0, 20_000).mapToObj(i -> "/data/table/part-" + i + ".parquet").toList();

    @Test
    void everyWorkerOwnsARoughlyEqualShare() {
        HashRing ring = HashRing.of(workers(4), 256);

        Map<String, Integer> counts = new HashMap<>();
        PATHS.forEach(path -> counts.merge(ring.owner(path).orElseThrow().id(), 1, Integer::sum));

        assertThat(counts).hasSize(4);
        counts.values().forEach(count -> assertThat(count).isBetween(PATHS.size() / 4 * 8 / 10, PATHS.size() / 4 * 12 / 10));
    }

    @Test
    void addingAWorkerMovesOnlyItsShare() {
        HashRing three = HashRing.of(workers(3), 256);
        HashRing four = HashRing.of(workers(4), 256);

        int moved = 0;
        for (String path : PATHS) {
            String before = three.owner(path).orElseThrow().id();
            String after = four.owner(path).orElseThrow().id();
            if (!before.equals(after)) {
                assertThat(after).as(path).isEqualTo("worker-3");
                moved++;
            }
        }
        assertThat(moved).isBetween(PATHS.size() / 4 * 8 / 10, PATHS.size() / 4 * 12 / 10);
    }

    @Test
    void skippingAWorkerGivesTheOwnerItWillHaveOnceItLeaves() {
        List<WorkerAddress> workers = workers(3);
        HashRing full = HashRing.of(workers, 256);
        HashRing withoutFirst = HashRing.of(workers.subList(1, 3), 256);

        for (String path : PATHS.subList(0, 2000)) {
            assertThat(full.owner(path, worker -> !worker.id().equals("worker-0"))).isEqualTo(withoutFirst.owner(path));
        }
    }

    @Test
    void ringDoesNotDependOnTheOrderWorkersAreListed() {
        List<WorkerAddress> workers = workers(5);
        List<WorkerAddress> reversed = new ArrayList<>(workers);
        Collections.reverse(reversed);
        HashRing a = HashRing.of(workers, 64);
        HashRing b = HashRing.of(reversed, 64);

        PATHS.subList(0, 1000).forEach(path -> assertThat(a.owner(path)).isEqualTo(b.owner(path)));
        assertThat(HashRing.of(List.of(), 64).owner("/x")).isEmpty();
    }

    private static List<WorkerAddress> workers(int count) {
        return IntStream.range(0, count).mapToObj(i -> new WorkerAddress("worker-" + i, "127.0.0." + (i + 1), 1000 + i, 2000 + i, "dc1", "rack1", false, TransferProtocol.DATA_PROTOCOL)).toList();
    }
}
