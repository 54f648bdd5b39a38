package io.cachet.routing;

import static java.util.Objects.requireNonNull;

/** The one spelling of a Cachet path that clients and servers hash onto the ring. */
public final class CachetPaths {
    private CachetPaths() {}

    /** Collapses repeated slashes and drops a trailing one; Cachet paths are absolute. */
    public static String normalize(String path) {
        requireNonNull(path, "path is null");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("Cachet paths are absolute: " + path);
        }
        if (!path.contains("//") && (path.length() == 1 || !path.endsWith("/"))) {
            // Already normal, as nearly every path is: every status and read asks, twice.
            return path;
        }
        String collapsed = path.replaceAll("/+", "/");
        return collapsed.length() > 1 && collapsed.endsWith("/") ? collapsed.substring(0, collapsed.length() - 1) : collapsed;
    }
}
