package io.cachet.worker;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The under-file-system keeps the directories its walks pass through open for the next walks. A kept
 * directory must never stand in for what is at its name now: moved out of the root, replaced, or
 * swapped for a link, the name is looked at afresh. The descriptors kept are bounded and closed with
 * the root.
 */
class KeptDirectoriesTest {
    @TempDir
    Path directory;
    private Path root;
    private Path outside;
    private UfsRoot ufs;

    @BeforeEach
    void start() throws IOException {
        root = Files.createDirectories(directory.resolve("root"));
        outside = Files.createDirectories(directory.resolve("outside"));
        ufs = UfsRoot.of(root.toString(), "worker-under-test");
    }

    @AfterEach
    void stop() {
        ufs.close();
    }

    @Test
    void aDirectoryMovedOutOfTheRootIsNotReachedThroughTheOneKeptOpen() throws IOException {
        write(root.resolve("d/e/f"), "inside");
        assertThat(ufs.status("/d/e/f").length()).isEqualTo(6);

        Files.move(root.resolve("d"), outside.resolve("d"));
        write(outside.resolve("d/e/secret"), "outside");
        Files.createDirectories(root.resolve("d"));

        assertThatThrownBy(() -> ufs.status("/d/e/f")).isInstanceOf(FileNotFoundException.class);
        assertThatThrownBy(() -> ufs.status("/d/e/secret")).isInstanceOf(FileNotFoundException.class);
        assertThatThrownBy(() -> ufs.version("/d/e/secret")).isInstanceOf(FileNotFoundException.class);
    }

    @Test
    void aDirectorySwappedForALinkThatLeadsOutIsRefused() throws IOException {
        write(root.resolve("d/e/f"), "inside");
        assertThat(ufs.status("/d/e/f").length()).isEqualTo(6);

        Files.move(root.resolve("d"), outside.resolve("d"));
        Files.createSymbolicLink(root.resolve("d"), outside.resolve("d"));

        assertThatThrownBy(() -> ufs.status("/d/e/f")).isInstanceOf(AccessDeniedException.class).hasMessageContaining("outside the root");
        assertThatThrownBy(() -> ufs.list("/d/e")).isInstanceOf(AccessDeniedException.class);
    }

    @Test
    void aDirectoryReplacedByAnotherOfTheSameNameIsReadAfresh() throws IOException {
        write(root.resolve("d/e/f"), "old");
        FileVersion old = ufs.version("/d/e/f");

        write(root.resolve("staged/e/f"), "newer");
        Path retired = Files.move(root.resolve("d"), root.resolve("retired"));
        Files.move(root.resolve("staged"), root.resolve("d"));

        FileVersion now = ufs.version("/d/e/f");
        assertThat(now.length()).isEqualTo(5);
        assertThat(now).isNotEqualTo(old);
        try (VersionReader reader = ufs.open(now)) {
            ByteBuffer bytes = ByteBuffer.allocate(5);
            reader.read(0, bytes);
            assertThat(new String(bytes.array(), StandardCharsets.UTF_8)).isEqualTo("newer");
        }
        assertThat(ufs.status("/retired/e/f").length()).isEqualTo(3);
        assertThat(retired).exists();
    }

    @Test
    void aLinkInsideTheRootStillLeadsWhereItPointsNow() throws IOException {
        write(root.resolve("a/f"), "in a");
        write(root.resolve("b/f"), "in b, longer");
        Files.createSymbolicLink(root.resolve("l"), Path.of("a"));
        assertThat(ufs.status("/l/f").length()).isEqualTo(4);

        Files.delete(root.resolve("l"));
        Files.createSymbolicLink(root.resolve("l"), Path.of("b"));

        assertThat(ufs.status("/l/f").length()).isEqualTo(12);
    }

    @Test
    void keptDescriptorsAreBoundedAndAllClosedWithTheRoot() throws Exception {
        int directories = 3 * OpenDirectories.MAX_KEPT;
        for (int i = 0; i < directories; i++) {
            write(root.resolve("d" + i + "/f"), "file " + i);
        }
        for (int i = 0; i < directories; i++) {
            assertThat(ufs.status("/d" + i + "/f").length()).isEqualTo(("file " + i).length());
        }
        assertThat(descriptorsUnder(root)).isPositive().isLessThanOrEqualTo(2 * OpenDirectories.MAX_KEPT + 2);

        ufs.close();
        assertThat(descriptorsUnder(root)).isZero();
        ufs = UfsRoot.of(root.toString(), "worker-under-test");
    }

    @Test
    void closingTwiceIsHarmlessAndAClosedRootAnswersWalksWithAnError() throws Exception {
        write(root.resolve("d/f"), "file");
        assertThat(ufs.status("/d/f").length()).isEqualTo(4);

        ufs.close();
        ufs.close();

        assertThatThrownBy(() -> ufs.status("/d/f")).isInstanceOf(IOException.class).hasMessageContaining("closed");
        assertThat(descriptorsUnder(root)).isZero();
        ufs = UfsRoot.of(root.toString(), "worker-under-test");
        assertThat(ufs.status("/d/f").length()).isEqualTo(4);
    }

    @Test
    void concurrentWalksThroughMoreDirectoriesThanAreKeptAllSeeTheirFiles() throws Exception {
        int directories = 2 * OpenDirectories.MAX_KEPT;
        for (int i = 0; i < directories; i++) {
            write(root.resolve("d" + i + "/e/f"), "x".repeat(i));
        }
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> walkers = new ArrayList<>();
            for (int thread = 0; thread < 4; thread++) {
                int offset = thread;
                walkers.add(threads.submit(() -> {
                    for (int round = 0; round < 5; round++) {
                        for (int i = 0; i < directories; i++) {
                            int which = (i * 7 + offset * 31 + round) % directories;
                            assertThat(ufs.status("/d" + which + "/e/f").length()).isEqualTo(which);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> walker : walkers) {
                walker.get(120, TimeUnit.SECONDS);
            }
        }
        finally {
            threads.shutdownNow();
        }
        assertThat(descriptorsUnder(root)).isLessThanOrEqualTo(2 * OpenDirectories.MAX_KEPT + 2);
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    /** This process's open descriptors on paths under {@code directory} (Linux). */
    private static long descriptorsUnder(Path directory) throws IOException {
        Path real = directory.toRealPath();
        try (Stream<Path> descriptors = Files.list(Path.of("/proc/self/fd"))) {
            return descriptors.filter(descriptor -> {
                try {
                    return Files.readSymbolicLink(descriptor).startsWith(real);
                }
                catch (IOException e) {
                    return false; // closed meanwhile
                }
            }).count();
        }
    }
}
