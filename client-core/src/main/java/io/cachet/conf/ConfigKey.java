package io.cachet.conf;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * One declared configuration key: its name, type, default (if any), description, and whether its
 * value is a secret that must never be printed or logged.
 */
public final class ConfigKey<T> {
    private final String name;
    private final ValueType<T> type;
    private final T defaultValue;
    private final String description;
    private final boolean secret;

    private ConfigKey(String name, ValueType<T> type, T defaultValue, String description, boolean secret) {
        this.name = requireNonNull(name, "name is null");
        this.type = requireNonNull(type, "type is null");
        this.defaultValue = defaultValue;
        this.description = requireNonNull(description, "description is null");
        this.secret = secret;
    }

    static <T> ConfigKey<T> of(String name, ValueType<T> type, T defaultValue, String description) {
        return new ConfigKey<>(name, type, requireNonNull(defaultValue, "defaultValue is null"), description, false);
    }

    static <T> ConfigKey<T> optional(String name, ValueType<T> type, String description) {
        return new ConfigKey<>(name, type, null, description, false);
    }

    static ConfigKey<String> secret(String name, String description) {
        return new ConfigKey<>(name, ValueType.STRING, null, description, true);
    }

    public String name() {
        return name;
    }

    public ValueType<T> type() {
        return type;
    }

    public Optional<T> defaultValue() {
        return Optional.ofNullable(defaultValue);
    }

    public String description() {
        return description;
    }

    public boolean isSecret() {
        return secret;
    }

    @Override
    public String toString() {
        return name;
    }
}
