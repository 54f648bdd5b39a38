package io.cachet.benchmarks.hadoop;

import java.io.IOException;
import java.util.Arrays;
import java.util.Random;

/**
 * The bytes every benchmark file holds, so that every read can be checked: one random MiB repeated,
 * each MiB stamped with its index in its first eight bytes (so a page served from the wrong offset
 * cannot pass), and a small file stamped with its own number.
 */
final class FilePattern {
    static final int BLOCK = 1 << 20;
    private static final int STAMP = Long.BYTES;

    private final byte[] block;

    FilePattern() {
        block = new byte[BLOCK];
        new Random(42).nextBytes(block);
    }

    /** Fills {@code buffer[0, count)} with the bytes at {@code position} of a file stamped from {@code stamp}. */
    void fill(long stamp, long position, byte[] buffer, int count) {
        int done = 0;
        while (done < count) {
            long at = position + done;
            int within = (int) (at % BLOCK);
            int n = Math.min(count - done, BLOCK - within);
            System.arraycopy(block, within, buffer, done, n);
            long index = stamp + at / BLOCK;
            for (int i = within; i < STAMP && i < within + n; i++) {
                buffer[done + i - within] = (byte) (index >>> (8 * (STAMP - 1 - i)));
            }
            done += n;
        }
    }

    /** Checks {@code buffer[offset, offset + count)} against the bytes at {@code position}. */
    void verify(long stamp, long position, byte[] buffer, int offset, int count, String what) throws IOException {
        int done = 0;
        while (done < count) {
            long at = position + done;
            int within = (int) (at % BLOCK);
            int n = Math.min(count - done, BLOCK - within);
            long index = stamp + at / BLOCK;
            for (int i = within; i < STAMP && i < within + n; i++) {
                if (buffer[offset + done + i - within] != (byte) (index >>> (8 * (STAMP - 1 - i)))) {
                    throw mismatch(what, at + i - within);
                }
            }
            int from = Math.max(within, STAMP);
            if (from < within + n) {
                int mismatch = Arrays.mismatch(buffer, offset + done + from - within, offset + done + n, block, from, within + n);
                if (mismatch >= 0) {
                    throw mismatch(what, at + from - within + mismatch);
                }
            }
            done += n;
        }
    }

    private static IOException mismatch(String what, long position) {
        return new IOException("Wrong byte at offset %d of %s: the benchmark read something other than what it wrote".formatted(position, what));
    }
}
