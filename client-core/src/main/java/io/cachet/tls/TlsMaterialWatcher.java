package io.cachet.tls;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * Watches a node's key, certificate, trust and CRL files by content, every
 * {@code cachet.network.tls.reload.interval}, and reloads the {@link TlsMaterial} when any changes.
 * Content, not modification time or inode: Kubernetes rotates a secret by swapping a symlink, and
 * reading through the link sees the new bytes whatever the link's own metadata says.
 */
public final class TlsMaterialWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TlsMaterialWatcher.class);

    private final TlsMaterial material;
    private final TlsSettings settings;
    private final List<Path> files;
    private final ScheduledExecutorService scheduler;
    private String fingerprint;

    private TlsMaterialWatcher(TlsMaterial material, TlsSettings settings) {
        this.material = requireNonNull(material, "material is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.files = watchedFiles(settings);
        this.fingerprint = fingerprint(files);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("cachet-tls-reload", true));
    }

    /** Starts watching, unless the reload interval is 0 (reload off). */
    public static TlsMaterialWatcher start(TlsMaterial material, TlsSettings settings) {
        TlsMaterialWatcher watcher = new TlsMaterialWatcher(material, settings);
        long interval = settings.reloadInterval().toMillis();
        if (interval > 0) {
            watcher.scheduler.scheduleWithFixedDelay(watcher::checkNow, interval, interval, TimeUnit.MILLISECONDS);
            log.info("Watching {} for TLS material changes every {}", watcher.files, settings.reloadInterval());
        }
        return watcher;
    }

    /**
     * Compares the files with what was last seen and reloads if they differ.
     *
     * @return whether the files had changed (whatever the reload made of them)
     */
    public synchronized boolean checkNow() {
        String now = fingerprint(files);
        if (now.equals(fingerprint)) {
            return false;
        }
        // Remember what was seen even when it is refused, so a bad file is reported once, not every interval.
        fingerprint = now;
        material.reload(settings);
        return true;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    private static List<Path> watchedFiles(TlsSettings settings) {
        List<Path> files = new ArrayList<>();
        settings.identity().ifPresent(identity -> files.addAll(identity.files()));
        settings.trust().ifPresent(trust -> files.add(trust.path()));
        files.addAll(settings.crlFiles());
        return List.copyOf(files);
    }

    private static String fingerprint(List<Path> files) {
        Hasher hasher = Hashing.sha256().newHasher();
        for (Path file : files) {
            hasher.putUnencodedChars(file.toString());
            try {
                hasher.putBytes(Files.readAllBytes(file));
            }
            catch (NoSuchFileException e) {
                hasher.putUnencodedChars("<missing>");
            }
            catch (IOException e) {
                hasher.putUnencodedChars("<unreadable " + e.getMessage() + ">");
            }
        }
        return hasher.hash().toString();
    }
}
