package io.cachet.metrics;

import java.util.Optional;

/** Whether a node should be sent traffic now, and if not, why: what {@code /health/ready} answers. */
@FunctionalInterface
public interface Readiness {
    /** Empty when ready; otherwise the reason, for the 503 body and for people. */
    Optional<String> notReadyBecause();
}
