package io.cachet.conf;

/**
 * A configuration value that cannot be used. The message names the key, the offending value (masked
 * when secret), where it came from, and what is accepted.
 */
public final class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
