package io.cachet.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Logs refusals at most once per key (a peer address, or a kind of refusal) per minute, so a peer that
 * keeps knocking cannot fill the log; the counters still count every refusal. The rest are logged at
 * debug level.
 */
public final class RefusalLog {
    private static final long INTERVAL_NANOS = Duration.ofMinutes(1).toNanos();
    /** Addresses remembered at most; past that the memory starts over (a flood of addresses logs a little more, never grows without bound). */
    private static final int MAX_PEERS = 10_000;

    private final Logger log;
    private final LongSupplier nanoClock;
    private final Map<String, Long> lastLogged = new ConcurrentHashMap<>();

    public RefusalLog(Class<?> owner) {
        this(LoggerFactory.getLogger(owner), System::nanoTime);
    }

    RefusalLog(Logger log, LongSupplier nanoClock) {
        this.log = log;
        this.nanoClock = nanoClock;
    }

    public void warn(String key, String message) {
        long now = nanoClock.getAsLong();
        if (lastLogged.size() >= MAX_PEERS) {
            lastLogged.clear();
        }
        Long previous = lastLogged.get(key);
        if (previous == null || now - previous >= INTERVAL_NANOS) {
            lastLogged.put(key, now);
            log.warn("{} (more like it within a minute are logged at debug level)", message);
        }
        else {
            log.debug(message);
        }
    }
}
