package io.cachet.conf;

import static java.util.Objects.requireNonNull;

/**
 * Where an effective value came from. Sources are ordered from lowest to highest precedence;
 * {@code detail} names the file, or the engine scope, for messages.
 */
public record ConfigSource(Kind kind, String detail) {
    public enum Kind {
        DEFAULT,
        SITE_FILE,
        SYSTEM_PROPERTY,
        ENGINE,
    }

    public static final ConfigSource DEFAULT = new ConfigSource(Kind.DEFAULT, "built-in default");
    public static final ConfigSource SYSTEM_PROPERTIES = new ConfigSource(Kind.SYSTEM_PROPERTY, "JVM system property");

    public ConfigSource {
        requireNonNull(kind, "kind is null");
        requireNonNull(detail, "detail is null");
    }

    public static ConfigSource siteFile(String location) {
        return new ConfigSource(Kind.SITE_FILE, "site file " + location);
    }

    public static ConfigSource engine(String scope) {
        return new ConfigSource(Kind.ENGINE, scope);
    }

    @Override
    public String toString() {
        return detail;
    }
}
