package io.cachet.cluster;

import io.cachet.client.CachetClient;
import io.cachet.testing.Eventually;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Random;

/** Writes and reads whole files through a client, with content that depends on the path. */
final class ClusterFiles {
    private ClusterFiles() {}

    static byte[] write(CachetClient client, String path, int size) throws IOException {
        byte[] content = content(path, size);
        try (OutputStream out = client.create(path, true, true)) {
            out.write(content);
        }
        return content;
    }

    static byte[] read(CachetClient client, String path) throws IOException {
        try (InputStream in = client.open(path)) {
            return in.readAllBytes();
        }
    }

    /**
     * Waits until the workers hold {@code pages} cached pages in all: a page read on a miss goes to the
     * client first and into the cache just after (PageStore).
     */
    static void awaitCachedPages(CachetClient client, long pages) throws Exception {
        Eventually.await(pages + " pages cached", () -> client.workers().stream().mapToLong(worker -> client.workerMetrics(worker).getCachedPages()).sum() == pages);
    }

    static byte[] content(String path, int size) {
        byte[] content = new byte[size];
        new Random(path.hashCode() * 31L + size).nextBytes(content);
        return content;
    }
}
