package io.cachet.cluster;

import io.cachet.client.CachetClient;

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

    static byte[] content(String path, int size) {
        byte[] content = new byte[size];
        new Random(path.hashCode() * 31L + size).nextBytes(content);
        return content;
    }
}
