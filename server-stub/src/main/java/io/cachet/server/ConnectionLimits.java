package io.cachet.server;

import io.cachet.conf.CachetConfig;
import io.cachet.conf.CachetKeys;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.Objects.requireNonNull;

/**
 * What one listener lets peers hold: connections at once, in all and per peer address, and how long a
 * connection may sit idle or live. Both planes (the data port's Netty and gRPC's shaded Netty) take
 * and give back their permits here, so the rule is written once.
 */
public final class ConnectionLimits {
    /** The limits from {@code cachet.network.*}. */
    public record Settings(int maxConnections, int maxPerAddress, Duration idleTimeout, Duration maxConnectionAge) {
        public Settings {
            requireNonNull(idleTimeout, "idleTimeout is null");
            requireNonNull(maxConnectionAge, "maxConnectionAge is null");
        }

        public static Settings from(CachetConfig config) {
            return new Settings(config.get(CachetKeys.NETWORK_MAX_CONNECTIONS), config.get(CachetKeys.NETWORK_MAX_CONNECTIONS_PER_ADDRESS),
                    config.get(CachetKeys.NETWORK_IDLE_TIMEOUT), config.get(CachetKeys.NETWORK_MAX_CONNECTION_AGE));
        }
    }

    private final Settings settings;
    private final String listener;
    private final ConnectionCounters.Listener counters;
    private final RefusalLog refusals = new RefusalLog(ConnectionLimits.class);
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentMap<String, AtomicInteger> perAddress = new ConcurrentHashMap<>();

    public ConnectionLimits(Settings settings, String listener, ConnectionCounters counters) {
        this.settings = requireNonNull(settings, "settings is null");
        this.listener = requireNonNull(listener, "listener is null");
        this.counters = counters.forListener(listener);
    }

    public Settings settings() {
        return settings;
    }

    public String listener() {
        return listener;
    }

    public ConnectionCounters.Listener counters() {
        return counters;
    }

    /** Takes a permit for a new connection from {@code address}; false (logged, counted) when a limit is reached. Give it back with {@link #release}. */
    public boolean tryAcquire(String address) {
        if (open.incrementAndGet() > settings.maxConnections()) {
            open.decrementAndGet();
            refuse(address, "it holds %d connections, %s=%d".formatted(settings.maxConnections(), CachetKeys.NETWORK_MAX_CONNECTIONS.name(), settings.maxConnections()));
            return false;
        }
        int[] fromAddress = new int[1];
        perAddress.compute(address, (any, count) -> {
            AtomicInteger value = count == null ? new AtomicInteger() : count;
            fromAddress[0] = value.incrementAndGet();
            return value;
        });
        if (fromAddress[0] > settings.maxPerAddress()) {
            giveBack(address);
            refuse(address, "%s holds %d connections to it, %s=%d".formatted(address, settings.maxPerAddress(),
                    CachetKeys.NETWORK_MAX_CONNECTIONS_PER_ADDRESS.name(), settings.maxPerAddress()));
            return false;
        }
        counters.opened();
        return true;
    }

    /** Gives back the permit of a connection that {@link #tryAcquire} let in, when it closes. */
    public void release(String address) {
        counters.closed();
        giveBack(address);
    }

    private void giveBack(String address) {
        open.decrementAndGet();
        perAddress.computeIfPresent(address, (any, count) -> count.decrementAndGet() <= 0 ? null : count);
    }

    private void refuse(String address, String why) {
        counters.refused();
        refusals.warn(address, "%s refused a connection from %s: %s. Fix: close idle connections on that client, or raise the limit".formatted(listener, address, why));
    }
}
