package io.cachet.worker;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A file kept open from page to page still never yields bytes of another version than the one asked for. */
class OpenVersionsTest {
    private static final int PAGE = 4096;

    @TempDir
    Path root;

    private UfsRoot ufs;
    private OpenVersions files;

    @BeforeEach
    void open() throws IOException {
        ufs = UfsRoot.of(root.toString(), "worker-under-test");
        files = new OpenVersions(ufs);
    }

    @AfterEach
    void close() throws IOException {
        files.close();
        ufs.close();
    }

    @Test
    void pagesAreReadAtAnyPositionAndTheLastOneIsShort() throws IOException {
        byte[] content = content(3 * PAGE + 100, 1);
        Files.write(root.resolve("data"), content);
        FileVersion file = ufs.version("/data");

        for (int index : new int[] {2, 0, 3, 1}) {
            assertThat(page(file, index)).as("page %d", index)
                    .isEqualTo(Arrays.copyOfRange(content, index * PAGE, Math.min(content.length, (index + 1) * PAGE)));
        }
    }

    @Test
    void aFileRewrittenInPlaceBetweenPagesFailsTheNextReadAndTheNewVersionReadsAfresh() throws IOException {
        Path data = root.resolve("data");
        byte[] first = content(2 * PAGE, 1);
        Files.write(data, first);
        FileVersion old = ufs.version("/data");
        assertThat(page(old, 0)).isEqualTo(Arrays.copyOfRange(first, 0, PAGE));

        byte[] second = content(2 * PAGE, 2);
        Files.write(data, second);
        Files.setLastModifiedTime(data, FileTime.fromMillis(Files.getLastModifiedTime(data).toMillis() + 2000));
        assertThatThrownBy(() -> page(old, 1)).isInstanceOf(IOException.class).hasMessageContaining("/data changed while it was read");

        FileVersion now = ufs.version("/data");
        assertThat(page(now, 1)).isEqualTo(Arrays.copyOfRange(second, PAGE, 2 * PAGE));
    }

    @Test
    void aFileReplacedWhileOpenIsNotReadAsItsOldVersion() throws IOException {
        Path data = root.resolve("data");
        byte[] first = content(2 * PAGE, 1);
        Files.write(data, first);
        FileVersion old = ufs.version("/data");
        assertThat(page(old, 0)).isEqualTo(Arrays.copyOfRange(first, 0, PAGE));

        // The open file still reads the old bytes; the path now names another file.
        Path replacement = Files.write(root.resolve("replacement"), content(2 * PAGE, 2));
        Files.move(replacement, data, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertThatThrownBy(() -> page(old, 1)).isInstanceOf(IOException.class).hasMessageContaining("/data changed while it was read");
    }

    private byte[] page(FileVersion file, long index) throws IOException {
        ByteBuffer into = ByteBuffer.allocateDirect(file.pageLength(index, PAGE));
        files.read(file, index * PAGE, into);
        into.flip();
        byte[] bytes = new byte[into.remaining()];
        into.get(bytes);
        return bytes;
    }

    private static byte[] content(int size, int seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
