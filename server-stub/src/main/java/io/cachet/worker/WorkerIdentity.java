package io.cachet.worker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/** A worker's id: a UUID kept in its cache directory, so a restarted worker keeps its place on the ring and its cache. */
final class WorkerIdentity {
    private static final String FILE_NAME = "worker-id";

    private WorkerIdentity() {}

    static String loadOrCreate(Path cacheDirectory) throws IOException {
        Path file = cacheDirectory.resolve(FILE_NAME);
        if (Files.exists(file)) {
            String id = Files.readString(file, StandardCharsets.UTF_8).strip();
            try {
                return UUID.fromString(id).toString();
            }
            catch (IllegalArgumentException e) {
                throw new IOException("Worker id file %s holds '%s', which is not a UUID. Fix: delete it to give the worker a new id".formatted(file, id));
            }
        }
        String id = UUID.randomUUID().toString();
        Path temporary = Files.createTempFile(cacheDirectory, FILE_NAME, ".tmp");
        Files.writeString(temporary, id + "\n", StandardCharsets.UTF_8);
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
        return id;
    }
}
