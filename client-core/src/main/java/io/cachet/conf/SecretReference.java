package io.cachet.conf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A value written as {@code ${env:NAME}} or {@code ${file:/path}} instead of inline, so secrets can
 * stay out of command lines and configuration files (Kubernetes mounts them as files).
 */
final class SecretReference {
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{(env|file):([^}]*)}");

    private SecretReference() {}

    /** Returns {@code raw} itself unless the whole value is a reference, which is then read. */
    static String resolve(String key, String raw, ConfigSource source, Map<String, String> environment) {
        Matcher matcher = REFERENCE.matcher(raw.trim());
        if (!matcher.matches()) {
            return raw;
        }
        String target = matcher.group(2).trim();
        if (matcher.group(1).equals("env")) {
            String value = environment.get(target);
            if (value == null) {
                throw new ConfigException("%s (from %s) refers to environment variable %s, which is not set. Fix: export %s, or give the value inline"
                        .formatted(key, source, target, target));
            }
            return value;
        }
        Path file = Path.of(target);
        try {
            // Secret files mounted from Kubernetes or written by echo often end with a newline that is not part of the secret.
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        }
        catch (IOException e) {
            throw new ConfigException("%s (from %s) refers to file %s, which cannot be read (%s). Fix: check the path and its permissions"
                    .formatted(key, source, file, e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())));
        }
    }
}
